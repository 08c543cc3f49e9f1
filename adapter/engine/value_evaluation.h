#pragma once
// Value evaluation: a result's value shape (quantity, comparator, text, coded, absent) turned
// into a number in the analyte's standard unit, or a reason why there is none.
// Pure function of the facts and the analyte definition.
#include <optional>
#include <string>
#include <string_view>

#include "core/units.h"
#include "core/value_interval.h"
#include "fhir/observation_facts.h"
#include "mapping/trial_config.h"

namespace fa::engine {

struct EvaluatedValue {
  std::optional<core::Decimal> value;  // standard unit, 4 decimals
  core::Comparator comparator = core::Comparator::None;
  std::optional<std::string_view> source_value;  // views into the facts
  std::optional<std::string_view> source_unit;
  std::optional<core::Flag> known_flag;  // set for "not detected" results
  std::optional<std::string> reason;     // why there is no usable number
  // The value's own unit, for reference range quantities written without one.
  std::optional<core::UnitConversion> conversion;
};

EvaluatedValue evaluateValue(const fhir::ObservationFacts& facts, const mapping::AnalyteDefinition& analyte);

}  // namespace fa::engine

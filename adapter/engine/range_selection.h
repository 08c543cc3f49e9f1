#pragma once
// Range selection: the reference range a record is flagged against, and its source.
//
// docs/trial-rules.md: the first of the Observation's own referenceRange (low/high in any convertible
// unit, or a text "a-b", "<b", "<=b", ">a"), the site table, the protocol defaults. A range
// quantity without a unit is taken in the value's unit. Pure function.
#include <optional>

#include "core/reference_range.h"
#include "engine/value_evaluation.h"
#include "fhir/observation_facts.h"
#include "mapping/roster.h"
#include "mapping/trial_config.h"

namespace fa::engine {

struct SelectedRange {
  core::ReferenceRange range;
  std::optional<core::RangeSource> source;  // nullopt when no range applies at all
};

SelectedRange selectRange(const fhir::ObservationFacts& facts, const EvaluatedValue& value,
                          const mapping::AnalyteDefinition& analyte, const mapping::Subject& subject);

}  // namespace fa::engine

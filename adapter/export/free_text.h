#pragma once
// Free text in a record's source_value: a result the engine could not read (text not understood,
// a number with an unknown unit word) may hold anything a person typed, patient details
// included. Exports withhold it unless asked (`--include-free-text`); see the README.
#include "engine/outcome_record.h"
#include "mapping/trial_config.h"

namespace fa::exports {

inline constexpr const char* kWithheldText = "[free text withheld]";

// True when source_value is present and is not a recognised result: not a plain number, not a
// number with a unit the analyte accepts (the record then has a value), not one of the analyte's
// "not detected" texts.
bool isFreeText(const engine::OutcomeRecord& record, const mapping::AnalyteDefinition* analyte);

// The record has a recognised result without a number ("not detected": flag known, no value).
bool isQualitativeResult(const engine::OutcomeRecord& record);

}  // namespace fa::exports

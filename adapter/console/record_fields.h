#pragma once
// A stored record's output fields as text, exactly as `records` prints them (docs/contract.md,
// "Record fields"): null becomes "". What the console shows and what a review entry repeats.
#include <map>
#include <string>

#include "engine/outcome_record.h"

namespace fa::console {

using RecordFields = std::map<std::string, std::string>;

RecordFields recordFields(const engine::OutcomeRecord& r);
// The Observation id of a record's "observation" reference (Observation/{id}/_history/{v}).
std::string observationId(const std::string& reference);

}  // namespace fa::console

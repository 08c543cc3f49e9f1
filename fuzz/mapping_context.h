#pragma once
// What the engine harnesses map against: the repository's fhir-mappings/ and a small roster
// (the one of tests/data/cli), loaded once per process.
#include <memory>

#include "mapping/roster.h"
#include "mapping/trial_config.h"

namespace fa::fuzz {

std::shared_ptr<const mapping::TrialConfig> defaultMappings();
std::shared_ptr<const mapping::Roster> defaultRoster();

}  // namespace fa::fuzz

#pragma once
// Loads fhir-mappings/ into an immutable TrialConfig.
//
// Each file is checked against its JSON Schema, then for what a schema cannot say (windows that
// overlap, a unit factor naming a parameter that does not exist, a code claimed by two analytes).
// Every problem found is reported at once, each naming the file and the JSON path, so a site
// fixes its mappings in one pass: configuration errors surface at start-up, not at 3 a.m.
#include <filesystem>
#include <memory>
#include <vector>

#include "mapping/config_error.h"
#include "mapping/mapping_file.h"
#include "mapping/trial_config.h"

namespace fa::mapping {

// The files a mappings folder holds, in hashing order.
inline constexpr const char* kMappingFiles[] = {"trial.json", "analytes.json", "ranges.json", "ctcae.json", "outcomes.json"};

// Throws ConfigError listing every problem.
std::shared_ptr<const TrialConfig> loadTrialConfig(const std::filesystem::path& dir);

// The same from files already read and checked (mapping_file.h), one per kMappingFiles entry;
// their own problems come first, and the cross-file checks run only when there are none.
std::shared_ptr<const TrialConfig> loadTrialConfig(const std::vector<std::shared_ptr<const MappingFile>>& files);

}  // namespace fa::mapping

#pragma once
// The repository's own default fhir-mappings/, loaded once per test binary.
#include <memory>
#include <string>

#include "mapping/config_loader.h"

namespace fa::test {

inline std::shared_ptr<const mapping::TrialConfig> defaultConfig() {
  static const std::shared_ptr<const mapping::TrialConfig> config = mapping::loadTrialConfig(FA_SOURCE_DIR "/fhir-mappings");
  return config;
}

inline const mapping::AnalyteDefinition& defaultAnalyte(const std::string& code) {
  const auto& config = *defaultConfig();
  return config.analytes.at(config.analyteIndex(code).value());
}

}  // namespace fa::test

#include "mapping/trial_config.h"

#include <algorithm>

namespace fa::mapping {

const AnalyteDefinition* TrialConfig::analyteForCoding(std::string_view system, std::string_view code) const {
  std::string key;
  key.reserve(system.size() + code.size() + 1);
  key.append(system).append("|").append(code);
  auto it = coding_index.find(key);
  return it == coding_index.end() ? nullptr : &analytes[it->second];
}

std::optional<size_t> TrialConfig::analyteIndex(std::string_view code) const {
  for (size_t i = 0; i < analytes.size(); ++i) {
    if (analytes[i].code == code) return i;
  }
  return std::nullopt;
}

bool TrialConfig::acceptsModifierExtension(std::string_view url) const {
  return std::find(accepted_modifier_extensions.begin(), accepted_modifier_extensions.end(), url) !=
         accepted_modifier_extensions.end();
}

std::vector<std::vector<std::string>> TrialConfig::codingsByAnalyte() const {
  std::vector<std::vector<std::string>> out(analytes.size());
  for (const auto& [key, analyte] : coding_index) {
    if (analyte < out.size()) out[analyte].push_back(key);
  }
  for (auto& codes : out)
    std::sort(codes.begin(), codes.end());
  return out;
}

}  // namespace fa::mapping

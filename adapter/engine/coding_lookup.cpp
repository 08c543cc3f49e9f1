#include "engine/coding_lookup.h"

namespace fa::engine {

CodingLookup::CodingLookup(const std::unordered_map<std::string, std::size_t>& index) {
  for (const auto& [key, analyte] : index) {
    for (std::size_t bar = key.find('|'); bar != std::string::npos; bar = key.find('|', bar + 1))
      by_code_[key.substr(bar + 1)].emplace_back(key.substr(0, bar), analyte);
  }
}

std::optional<std::size_t> CodingLookup::analyteOf(std::string_view system, std::string_view code) const {
  const auto it = by_code_.find(code);
  if (it == by_code_.end()) return std::nullopt;
  for (const auto& [s, analyte] : it->second) {
    if (s == system) return analyte;
  }
  return std::nullopt;
}

}  // namespace fa::engine

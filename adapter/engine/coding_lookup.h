#pragma once
// Which analyte a coding (system, code) names, looked up without building the "system|code"
// text the configuration keys by (mapping::TrialConfig::coding_index): every Observation of an
// input is matched here, and building and hashing that text cost 2-3% of a trial-only `map`.
// Pure; built once per session.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fa::engine {

class CodingLookup {
 public:
  // `index`: "system|code" -> analyte index. A key with several '|' is entered once per '|'
  // (system before it, code after), so a coding matches exactly when system + "|" + code is a
  // key, as a lookup of the joined text would have it.
  explicit CodingLookup(const std::unordered_map<std::string, std::size_t>& index);

  std::optional<std::size_t> analyteOf(std::string_view system, std::string_view code) const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Systems = std::vector<std::pair<std::string, std::size_t>>;  // system, analyte
  std::unordered_map<std::string, Systems, Hash, std::equal_to<>> by_code_;
};

}  // namespace fa::engine

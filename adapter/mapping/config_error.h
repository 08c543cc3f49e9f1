#pragma once
// ConfigError: configuration problems found at start-up, each naming its file and the JSON
// path (or CSV line) at fault. Thrown at the load boundary; never for bad FHIR input.
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::mapping {

// One problem as ConfigError lists it: "<file>: <where>: <what>", or "<file>: <what>" when
// `where` (a JSON path, a line and column) is empty.
inline std::string problemText(const std::string& label, const std::string& where, const std::string& what) {
  return where.empty() ? label + ": " + what : label + ": " + where + ": " + what;
}

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems)
      : std::runtime_error(problems.empty() ? "configuration error" : problems.front()), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace fa::mapping

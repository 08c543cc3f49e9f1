#pragma once
// application/x-www-form-urlencoded forms and query strings (pure). Bounded: at most
// kMaxFields fields of at most kMaxFieldBytes each; anything beyond fails the whole form (the
// console answers 413 rather than act on part of it).
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fa::console {

inline constexpr std::size_t kMaxFields = 32;
inline constexpr std::size_t kMaxFieldBytes = 4096;

using Form = std::map<std::string, std::string>;  // a repeated name keeps its first value

// nullopt when malformed (bad %-escape, invalid UTF-8) or over the limits.
std::optional<Form> parseForm(std::string_view body);

struct Target {
  std::string path;
  Form query;
  bool ok = true;  // false: the query was malformed or too large
};
Target parseTarget(std::string_view target);

// Text safe inside HTML elements and attribute values: & < > " ' escaped.
std::string htmlEscape(std::string_view text);
// A query string value ("a b" -> "a+b" style percent-encoding).
std::string queryEncode(std::string_view text);

}  // namespace fa::console

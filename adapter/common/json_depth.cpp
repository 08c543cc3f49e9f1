#include "common/json_depth.h"

namespace fa::common {

std::optional<std::size_t> jsonTooDeepAt(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;  // the escaped character (a quote included) cannot end the string
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string tooDeepMessage(std::size_t max_depth) {
  return "nested deeper than " + std::to_string(max_depth) + " levels";
}

}  // namespace fa::common

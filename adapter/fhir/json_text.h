#pragma once
// Small read helpers over RapidJSON values parsed with kParseNumbersAsStringsFlag, where every
// JSON number arrives as its exact text (FHIR decimals are exact).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace fa::fhir {

using JsonValue = rapidjson::Value;

const JsonValue* findMember(const JsonValue& object, std::string_view name);
// The member as text when it is a string (or a number kept as text); nullopt otherwise.
std::optional<std::string_view> stringMember(const JsonValue& object, std::string_view name);
std::string_view textOf(const JsonValue& value);  // "" unless a string

// Appends `text` to `out` as a JSON string literal (quotes and escapes included).
void appendJsonString(std::string& out, std::string_view text);

// The same literal written at `at`, which has room for jsonStringBound(text.size()) bytes;
// returns the end of what was written. For callers that size their buffer once for many
// strings (a record's NDJSON line): a std::string append per piece is a call out of line.
char* writeJsonString(char* at, std::string_view text);
constexpr std::size_t jsonStringBound(std::size_t size) {
  return 6 * size + 2;  // every byte as \u00XX, and the quotes
}

}  // namespace fa::fhir

#pragma once
// Small read helpers over RapidJSON values parsed with kParseNumbersAsStringsFlag, where every
// JSON number arrives as its exact text (FHIR decimals are exact).
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

}  // namespace fa::fhir

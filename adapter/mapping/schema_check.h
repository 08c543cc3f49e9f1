#pragma once
// Checks a parsed mappings file against its embedded JSON Schema (RapidJSON's validator).
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace fa::mapping {

// nullopt when valid, else "<JSON path>: <what failed>".
std::optional<std::string> schemaProblem(std::string_view file_name, const rapidjson::Document& document);

}  // namespace fa::mapping

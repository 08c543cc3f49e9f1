#include "mapping/schema_check.h"

#include <map>
#include <memory>
#include <vector>

#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include "mapping/embedded_schemas.h"

namespace fa::mapping {
namespace {

const rapidjson::SchemaDocument* schemaFor(std::string_view file_name) {
  // Built once; SchemaDocument is immutable and may be shared by validators.
  static const auto schemas = [] {
    std::map<std::string, std::unique_ptr<rapidjson::SchemaDocument>, std::less<>> out;
    for (const EmbeddedSchema& s : embeddedSchemas()) {
      rapidjson::Document d;
      d.Parse(s.schema.data(), s.schema.size());
      if (d.HasParseError()) throw std::logic_error("embedded schema for " + std::string(s.file) + " is not JSON");
      out.emplace(std::string(s.file), std::make_unique<rapidjson::SchemaDocument>(d));
    }
    return out;
  }();
  auto it = schemas.find(file_name);
  return it == schemas.end() ? nullptr : it->second.get();
}

std::string pointerText(const rapidjson::Pointer& pointer) {
  rapidjson::StringBuffer sb;
  pointer.Stringify(sb);
  std::string text = sb.GetString();
  return text.empty() ? "/" : text;
}

// Whether a number of magnitude 2^63 or more is in `value`, which no mappings file needs; if so,
// `path` gets its JSON path, innermost segment first. RapidJSON's validator casts every double to
// a 64-bit integer to hash it (schema.h, Hasher::Double), undefined behaviour beyond that range;
// found by fuzzing. The depth is bounded before parsing (mapping_file.cpp), so the recursion is.
bool hugeNumberIn(const rapidjson::Value& value, std::vector<std::string>& path) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (value.IsDouble()) return value.GetDouble() >= kLimit || value.GetDouble() <= -kLimit;
  if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i)
      if (hugeNumberIn(value[i], path)) {
        path.push_back(std::to_string(i));
        return true;
      }
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject())
      if (hugeNumberIn(member.value, path)) {
        path.emplace_back(member.name.GetString(), member.name.GetStringLength());
        return true;
      }
  }
  return false;
}

std::optional<std::string> hugeNumberProblem(const rapidjson::Value& document) {
  std::vector<std::string> path;
  if (!hugeNumberIn(document, path)) return std::nullopt;
  std::string text;
  for (auto segment = path.rbegin(); segment != path.rend(); ++segment)
    text += "/" + *segment;
  return (text.empty() ? "/" : text) + ": number out of range (magnitude 2^63 or more)";
}

}  // namespace

std::optional<std::string> schemaProblem(std::string_view file_name, const rapidjson::Document& document) {
  const rapidjson::SchemaDocument* schema = schemaFor(file_name);
  if (!schema) return "no schema for " + std::string(file_name);
  if (auto huge = hugeNumberProblem(document)) return huge;
  rapidjson::SchemaValidator validator(*schema);
  if (document.Accept(validator)) return std::nullopt;
  std::string keyword = validator.GetInvalidSchemaKeyword();
  std::string where = pointerText(validator.GetInvalidDocumentPointer());
  std::string rule = pointerText(validator.GetInvalidSchemaPointer());
  std::string why;
  if (keyword == "required")
    why = "a required member is missing";
  else if (keyword == "additionalProperties")
    why = "unknown member (not allowed here)";
  else if (keyword == "type")
    why = "wrong type";
  else if (keyword == "enum")
    why = "value not among the allowed ones";
  else if (keyword == "pattern")
    why = "text does not match the expected pattern";
  else if (keyword == "minimum" || keyword == "maximum")
    why = "number out of range";
  else if (keyword == "minItems")
    why = "too few items";
  else if (keyword == "oneOf" || keyword == "anyOf")
    why = "matches none of the allowed forms";
  else
    why = "violates '" + keyword + "'";
  return where + ": " + why + " (schema rule " + rule + ")";
}

}  // namespace fa::mapping

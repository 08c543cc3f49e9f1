#include "mapping/schema_check.h"

#include <map>
#include <memory>

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

}  // namespace

std::optional<std::string> schemaProblem(std::string_view file_name, const rapidjson::Document& document) {
  const rapidjson::SchemaDocument* schema = schemaFor(file_name);
  if (!schema) return "no schema for " + std::string(file_name);
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

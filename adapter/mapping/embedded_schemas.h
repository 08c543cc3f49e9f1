#pragma once
// The JSON Schemas of the fhir-mappings/ files, compiled into the binary.
#include <string_view>
#include <vector>

namespace fa::mapping {

struct EmbeddedSchema {
  std::string_view file;    // "trial.json"
  std::string_view schema;  // JSON Schema (draft-04) text
};

const std::vector<EmbeddedSchema>& embeddedSchemas();

}  // namespace fa::mapping

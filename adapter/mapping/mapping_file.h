#pragma once
// One fhir-mappings file read and checked on its own, the first stage of loading: valid JSON,
// nesting within the limit (docs/fhir-servers.md "Hostile input"), and its JSON Schema. The second
// stage (config_loader.h) checks what spans files. The stages are apart so that a file is
// checked once and can be used again: the fuzz harness mutates one file and keeps the other
// four, which is what makes millions of executions of the loader affordable.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace fa::mapping {

struct MappingFile {
  std::string name;   // as in kMappingFiles, e.g. "trial.json"
  std::string label;  // the path shown in messages
  std::string text;
  rapidjson::Document document;       // numbers kept as strings (exact decimals); null unless checked
  std::vector<std::string> problems;  // "<label>: <where>: <what>"; empty when the file passed
};

// Never throws for bad content: what is wrong is in `problems`.
std::shared_ptr<const MappingFile> checkMappingFile(std::string name, std::string label, std::string text);

// Reads dir/name and checks it; a file that cannot be read is a problem, not an exception.
std::shared_ptr<const MappingFile> readMappingFile(const std::filesystem::path& dir, const std::string& name);

}  // namespace fa::mapping

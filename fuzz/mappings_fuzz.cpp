// fhir-mappings/ loading (schema check, semantic checks, the TrialConfig). Input: a first byte
// choosing which of the five files to replace (byte % 5, kMappingFiles order), then that file's
// text; the other four are the repository's own, read and checked once per process (checking
// all five each time ran at about 150 executions per second; 10 million were out of reach).
// Loading succeeds or throws ConfigError with at least one problem.
#include <cstdlib>
#include <string>
#include <vector>

#include "harnesses.h"
#include "mapping/config_loader.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

std::vector<std::shared_ptr<const mapping::MappingFile>> defaultFiles() {
  std::vector<std::shared_ptr<const mapping::MappingFile>> files;
  for (const char* name : mapping::kMappingFiles) {
    files.push_back(mapping::readMappingFile(FA_SOURCE_DIR "/fhir-mappings", name));
    check(files.back()->problems.empty());
  }
  return files;
}

}  // namespace

int fuzzMappings(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const auto defaults = defaultFiles();
  auto files = defaults;
  const std::size_t which = data[0] % files.size();
  files[which] = mapping::checkMappingFile(files[which]->name, files[which]->label,
                                           std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    const auto config = mapping::loadTrialConfig(files);
    check(config != nullptr && !config->content_hash.empty());
  } catch (const mapping::ConfigError& e) {
    check(!e.problems().empty());
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzMappings)

// fhir-mappings/ loading (schema check, semantic checks, the TrialConfig). Input: a first byte
// choosing which of the five files to replace (byte % 5, kMappingFiles order), then that file's
// text; the other four are the repository's own. Loading succeeds or throws ConfigError with at
// least one problem.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "harnesses.h"
#include "mapping/config_loader.h"
#include "scratch_dir.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr std::size_t kFileCount = std::size(mapping::kMappingFiles);

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A mappings folder holding the default files; `restore` puts one back after a run.
struct MappingsDir {
  MappingsDir() : dir(scratchDir() / "fhir-mappings") {
    std::filesystem::create_directories(dir);
    for (std::size_t i = 0; i < kFileCount; ++i) {
      defaults[i] = readFile(std::filesystem::path(FA_SOURCE_DIR "/fhir-mappings") / mapping::kMappingFiles[i]);
      writeFile(dir / mapping::kMappingFiles[i], defaults[i]);
    }
  }
  void restore(std::size_t i) const { writeFile(dir / mapping::kMappingFiles[i], defaults[i]); }
  std::filesystem::path dir;
  std::string defaults[kFileCount];
};

}  // namespace

int fuzzMappings(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const MappingsDir mappings;
  const std::size_t which = data[0] % kFileCount;
  writeFile(mappings.dir / mapping::kMappingFiles[which], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  try {
    const auto config = mapping::loadTrialConfig(mappings.dir);
    check(config != nullptr && !config->content_hash.empty());
  } catch (const mapping::ConfigError& e) {
    check(!e.problems().empty());
  }
  mappings.restore(which);
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzMappings)

// The daemon's TOML configuration (daemon/daemon_config.h): loading succeeds or throws
// DaemonConfigError with at least one problem. The file sits in a private temporary folder, so
// relative paths in it name files that do not exist (problems, not crashes). A secret file or
// environment variable the input names may be read; nothing is written.
#include <cstdlib>
#include <string_view>

#include "daemon/daemon_config.h"
#include "harnesses.h"
#include "scratch_dir.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

int fuzzConfig(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = scratchDir() / "adapter.toml";
  writeFile(file, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    const daemon::DaemonConfig config = daemon::loadDaemonConfig(file);
    check(!config.fhir.base_url.empty());
  } catch (const daemon::DaemonConfigError& e) {
    check(!e.problems().empty());
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzConfig)

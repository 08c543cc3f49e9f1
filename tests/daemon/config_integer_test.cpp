// Integer settings of the TOML file: a float where an integer belongs is a named problem, even
// one far outside int64's range. fuzz_config found that toml++ converted such a float to an
// integer before the type was checked (undefined behaviour, fuzz/regressions/config/).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "daemon/daemon_config.h"

namespace fa::daemon {
namespace {

std::vector<std::string> problemsOf(const std::string& toml) {
  const auto path = std::filesystem::temp_directory_path() / ("fa-config-int-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path, std::ios::binary) << toml;
  std::vector<std::string> problems;
  try {
    loadDaemonConfig(path);
  } catch (const DaemonConfigError& e) {
    problems = e.problems();
  }
  std::filesystem::remove(path);
  return problems;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

TEST(ConfigInteger, AFloatFarOutsideTheIntegerRangeIsNotAnInteger) {
  const auto problems = problemsOf("[sync]\ninterval_seconds = 1.5e106\n");
  EXPECT_TRUE(mentions(problems, "[sync] interval_seconds: must be an integer"));
}

TEST(ConfigInteger, AWholeFloatIsNotAnIntegerEither) {
  const auto problems = problemsOf("[sync]\ninterval_seconds = 30.0\n");
  EXPECT_TRUE(mentions(problems, "[sync] interval_seconds: must be an integer"));
}

TEST(ConfigInteger, AnIntegerInRangeRaisesNoProblemOfItsOwn) {
  const auto problems = problemsOf("[sync]\ninterval_seconds = 300\n");
  EXPECT_FALSE(mentions(problems, "interval_seconds"));
}

}  // namespace
}  // namespace fa::daemon

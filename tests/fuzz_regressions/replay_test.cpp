// Replays every committed fuzz input through its harness (fuzz/harnesses.h) in the ordinary
// build: the seed corpora (fuzz/corpus/<target>/) and the inputs that once crashed or broke an
// invariant (fuzz/regressions/<target>/, each fixed; see the README's "Reliability" section). A
// harness aborts on a broken invariant and lets unexpected exceptions out, so a regression fails
// this test (or kills it, which ctest reports as a failure too).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harnesses.h"

namespace fa::fuzz {
namespace {

std::vector<std::filesystem::path> inputsIn(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  return files;
}

std::string bytesOf(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs each file of fuzz/<kind>/<target>/; returns how many there were.
std::size_t replay(const Target& target, const char* kind) {
  const auto files = inputsIn(std::filesystem::path(FA_SOURCE_DIR "/fuzz") / kind / std::string(target.name));
  for (const auto& file : files) {
    const std::string bytes = bytesOf(file);
    SCOPED_TRACE(file.string());
    EXPECT_NO_THROW(target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
  return files.size();
}

class FuzzReplay : public testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, SeedCorpusRunsClean) {
  EXPECT_GT(replay(GetParam(), "corpus"), 0u) << "fuzz/corpus/" << GetParam().name << " is empty (fuzz/make_seeds.py)";
}

TEST_P(FuzzReplay, FixedFindingsStayFixed) {
  replay(GetParam(), "regressions");
}

TEST_P(FuzzReplay, EmptyInputIsHandled) {
  EXPECT_NO_THROW(GetParam().run(nullptr, 0));
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, testing::ValuesIn(kTargets),
                         [](const testing::TestParamInfo<Target>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace fa::fuzz

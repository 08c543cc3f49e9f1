// Usage mistakes name the word or file at fault and say what is expected (docs/contract.md,
// "Usage errors"): unknown commands and options with a "did you mean", one usage line for a bare
// `map`, a missing or directory --config, a listen address in use.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli/run_command.h"

namespace fa::cli_test {
namespace {

namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(CliMessages, UnknownCommandSuggestsTheNearest) {
  CommandResult r = runAdapter({"recrods", "--config", "x.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "unknown command \"recrods\"; did you mean \"records\"?")) << r.err;
  EXPECT_FALSE(has(r.err, "A subcommand is required")) << r.err;
}

TEST(CliMessages, UnknownCommandFarFromAnyListsThem) {
  CommandResult r = runAdapter({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "unknown command \"frobnicate\" (commands: map, ")) << r.err;
  EXPECT_FALSE(has(r.err, "did you mean")) << r.err;
}

TEST(CliMessages, UnknownNestedCommand) {
  CommandResult r = runAdapter({"audit", "verfy", "--config", "x.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "fhir-adapter audit: unknown command \"verfy\"; did you mean \"verify\"?")) << r.err;
}

TEST(CliMessages, NoCommandSaysWhichExist) {
  CommandResult r = runAdapter({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "fhir-adapter: a command is required: map, ")) << r.err;
}

TEST(CliMessages, UnknownOptionNamesItAndTheExpectedOnes) {
  CommandResult r = runAdapter({"records", "--formt", "csv", "--config", "x.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(
      has(r.err, "fhir-adapter records: unknown option --formt; did you mean \"--format\"? (expected: --config, --format"))
      << r.err;
  EXPECT_FALSE(has(r.err, "not expected")) << r.err;
}

TEST(CliMessages, BareMapPrintsOneUsageLineThenTheSummary) {
  CommandResult r = runAdapter({"map"});
  EXPECT_EQ(r.exit_code, 2);
  // docs/contract.md: a usage error of map still ends with the summary line, all zeros.
  const std::vector<std::string> lines = r.errLines();
  ASSERT_EQ(lines.size(), 2u) << r.err;
  EXPECT_EQ(lines[0],
            "usage: fhir-adapter map --mappings DIR --subjects FILE.csv [--base URL] [--format ndjson|csv] [--output FILE] "
            "INPUT...");
  EXPECT_TRUE(has(lines[1], "0 resources read")) << r.err;
}

TEST(CliMessages, MissingOptionNamesItWithTheUsage) {
  CommandResult r = runAdapter({"map", "--mappings", "m", "in.ndjson"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, "fhir-adapter map: --subjects is required")) << r.err;
  EXPECT_TRUE(has(r.err, "usage: fhir-adapter map --mappings DIR")) << r.err;
}

class ConfigFiles : public ::testing::Test {
 protected:
  ConfigFiles() {
    dir_ = fs::temp_directory_path() /
           ("fa-cli-msg-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  ~ConfigFiles() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // A complete offline-valid configuration listening on `port`.
  std::string writeConfig(int port) const {
    std::ofstream(dir_ / "subjects.csv") << "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-01,\n";
    const fs::path file = dir_ / "adapter.toml";
    std::ofstream(file) << "[fhir]\nbase_url = \"http://127.0.0.1:1/fhir\"\nauth = \"none\"\n"
                        << "[trial]\nmappings = \"" FA_SOURCE_DIR "/fhir-mappings\"\nsubjects = \"subjects.csv\"\n"
                        << "[store]\npath = \"var/adapter.db\"\n[audit]\ndir = \"var/audit\"\n"
                        << "[http]\nlisten = \"127.0.0.1:" << port << "\"\n";
    return file.string();
  }
  fs::path dir_;
};

TEST_F(ConfigFiles, MissingConfigNamesTheFile) {
  const std::string missing = (dir_ / "nope.toml").string();
  for (const char* command : {"records", "run", "check-config"}) {
    CommandResult r = runAdapter({command, "--config", missing});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_TRUE(has(r.err, missing + ": cannot be read: No such file or directory")) << command << ": " << r.err;
    EXPECT_FALSE(has(r.err, "line 0")) << r.err;
  }
}

TEST_F(ConfigFiles, DirectoryAsConfigSaysSo) {
  CommandResult r = runAdapter({"records", "--config", dir_.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.err, dir_.string() + ": is a directory")) << r.err;
  EXPECT_FALSE(has(r.err, "base_url")) << r.err;
}

TEST_F(ConfigFiles, PortInUseNamesTheAddressWithoutSourcePaths) {
  // Hold a listening socket on a free loopback port, then point [http] listen at it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  const std::string config = writeConfig(port);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"check-config", "--offline", "--config", config},
                                               std::vector<std::string>{"run", "--config", config}}) {
    CommandResult r = runAdapter(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
    EXPECT_TRUE(has(r.err, "cannot listen on " + where + ": Address already in use")) << args[0] << ": " << r.err;
    EXPECT_FALSE(has(r.err, ".hpp") || has(r.err, "/usr/include")) << r.err;
  }
  ::close(fd);
}

}  // namespace
}  // namespace fa::cli_test

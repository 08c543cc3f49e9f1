// check-config finds what `run` would refuse at start-up, in the same words (the built binary).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "audit/audit_log.h"
#include "cli/run_command.h"
#include "daemon/server_identity.h"
#include "store/observation_store.h"
#include "store/store_lock.h"

namespace fa::daemon {
namespace {

using cli_test::runAdapter;

// A TCP listener on 127.0.0.1 (a free port) held for the test's lifetime: "port in use".
class BusyPort {
 public:
  BusyPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(a.sin_port);
  }
  ~BusyPort() { ::close(fd_); }
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

class CheckConfigTest : public ::testing::Test {
 protected:
  CheckConfigTest() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("fa-check-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    write("subjects.csv", "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-10,2026-02-07\n");
  }
  ~CheckConfigTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  // A configuration (port 1 on loopback: never contacted by these tests) plus `extra` lines.
  std::string config(const std::string& http_listen = "127.0.0.1:0", const std::string& extra = "") {
    return write("adapter.toml", "[fhir]\nbase_url = \"http://127.0.0.1:1/fhir\"\n" + fhirExtra_ +
                                     "\n[trial]\nmappings = \"" FA_SOURCE_DIR
                                     "/fhir-mappings\"\nsubjects = \"subjects.csv\"\n"
                                     "\n[store]\npath = \"var/adapter.db\"\n\n[audit]\ndir = \"var/audit\"\n" +
                                     auditExtra_ + "\n[http]\nlisten = \"" + http_listen + "\"\n" + extra);
  }
  std::filesystem::path auditDir() const { return dir_ / "var" / "audit"; }
  // An audit log with one entry, written with `key` ("" = none).
  void writeAuditLog(const std::string& key) {
    audit::AuditSettings s;
    s.dir = auditDir();
    s.key = key;
    auto log = audit::AuditLog::open(s);
    log->append({"test", "test_entry", "", "", "", "", "success", {}});
    log->close();
  }

  std::filesystem::path dir_;
  std::string fhirExtra_, auditExtra_;
};

TEST_F(CheckConfigTest, AValidConfigurationIsReadyToRun) {
  auto r = runAdapter({"check-config", "--config", config(), "--offline"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("is ready to run (offline: FHIR server not contacted)"), std::string::npos) << r.err;
}

TEST_F(CheckConfigTest, TheHttpPortInUseIsRefusedAsRunRefusesIt) {
  BusyPort busy;
  const std::string address = "127.0.0.1:" + std::to_string(busy.port());
  const std::string file = config(address);
  auto check = runAdapter({"check-config", "--config", file, "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  const std::string words = "cannot listen on " + address + ": Address already in use";
  EXPECT_EQ(check.errLinesWith({"[http] listen: " + words}).size(), 1u) << check.err;
  auto run = runAdapter({"run", "--config", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.errLinesWith({"\"event\":\"http_listen_failed\"", words}).size(), 1u) << run.err;
}

TEST_F(CheckConfigTest, TheCallbackPortInUseIsRefused) {
  BusyPort busy;
  const std::string address = "127.0.0.1:" + std::to_string(busy.port());
  write("server.crt", "certificate");
  write("server.key", "key");
  auto check = runAdapter(
      {"check-config", "--config",
       config("127.0.0.1:0", "\n[callback]\nlisten = \"" + address + "\"\ncert = \"server.crt\"\nkey = \"server.key\"\n"),
       "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.errLinesWith({"[callback] listen: cannot listen on " + address + ": Address already in use"}).size(), 1u)
      << check.err;
}

TEST_F(CheckConfigTest, PortZeroIsAlwaysFine) {
  auto r = runAdapter({"check-config", "--config", config("127.0.0.1:0"), "--offline"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(CheckConfigTest, AShortAuditKeyIsRefusedByBothInTheSameWords) {
  const std::string key = write("audit.key", "0123456789\n");  // 10 bytes once the newline is stripped
  auditExtra_ = "key_file = \"audit.key\"\n";
  const std::string file = config();
  const std::string words = "the audit key file " + key + " holds 10 bytes; at least 32 are needed";
  auto check = runAdapter({"check-config", "--config", file, "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.errLinesWith({"[audit]: " + words}).size(), 1u) << check.err;
  auto run = runAdapter({"run", "--once", "--config", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.errLinesWith({"\"event\":\"audit_error\"", words}).size(), 1u) << run.err;
}

TEST_F(CheckConfigTest, AKeyForALogWrittenWithoutOneIsRefused) {
  writeAuditLog("");
  write("audit.key", std::string(40, 'k'));
  auditExtra_ = "key_file = \"audit.key\"\n";
  const std::string file = config();
  const std::string words = "the log was written without a key; a keyed log needs a new [audit] dir";
  auto check = runAdapter({"check-config", "--config", file, "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.errLinesWith({"[audit]: ", words}).size(), 1u) << check.err;
  auto run = runAdapter({"run", "--once", "--config", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.errLinesWith({"\"event\":\"audit_error\"", words}).size(), 1u) << run.err;
}

TEST_F(CheckConfigTest, NoKeyForAKeyedLogAndAnotherKeyAreRefused) {
  writeAuditLog(std::string(40, 'a'));
  auto none = runAdapter({"check-config", "--config", config(), "--offline"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_EQ(none.errLinesWith({"the log was written with a key; set [audit] key_file to continue it"}).size(), 1u) << none.err;
  write("audit.key", std::string(40, 'b'));
  auditExtra_ = "key_file = \"audit.key\"\n";
  auto other = runAdapter({"check-config", "--config", config(), "--offline"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_EQ(other.errLinesWith({"the key does not match the one this log was written with"}).size(), 1u) << other.err;
}

TEST_F(CheckConfigTest, AnUnusableCaFileIsRefusedOnlineBeforeTheServerIsContacted) {
  write("ca.pem", "not a certificate\n");
  fhirExtra_ = "ca_file = \"ca.pem\"\n";
  const std::string file = config();
  auto check = runAdapter({"check-config", "--config", file});
  EXPECT_EQ(check.exit_code, 2);
  const auto lines = check.errLinesWith({"http://127.0.0.1:1/fhir: ", (dir_ / "ca.pem").string()});
  ASSERT_EQ(lines.size(), 1u) << check.err;
  auto run = runAdapter({"run", "--once", "--config", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.errLinesWith({"\"event\":\"fhir_client_setup_failed\"", (dir_ / "ca.pem").string()}).size(), 1u) << run.err;
}

TEST_F(CheckConfigTest, AnUnreadableSmartKeyIsRefusedOffline) {
  // A directory exists but cannot be read as a file.
  std::filesystem::create_directories(dir_ / "smart.key");
  fhirExtra_ = "auth = \"smart-backend\"\nclient_id = \"c\"\nprivate_key_file = \"smart.key\"\nkey_id = \"k\"\n";
  auto check = runAdapter({"check-config", "--config", config(), "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.errLinesWith({"[fhir] private_key_file: cannot read " + (dir_ / "smart.key").string()}).size(), 1u)
      << check.err;
}

TEST_F(CheckConfigTest, AStoreFilledFromAnotherServerIsRefusedByBothInTheSameWords) {
  // The store remembers another server; the configuration names http://127.0.0.1:1/fhir.
  std::filesystem::create_directories(dir_ / "var");
  {
    store::ObservationStore store((dir_ / "var" / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    rememberServer(store, "http://old.test/fhir", {});
  }
  const std::string file = config();
  const std::string words = "the store was filled from http://old.test/fhir, but [fhir] base_url is http://127.0.0.1:1/fhir";
  auto check = runAdapter({"check-config", "--config", file, "--offline"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.errLinesWith({"[fhir] base_url: " + words}).size(), 1u) << check.err;
  auto run = runAdapter({"run", "--once", "--config", file});
  EXPECT_EQ(run.exit_code, 2);  // at once: the server (port 1) is never contacted
  EXPECT_EQ(run.errLinesWith({"fhir-adapter run: ", words, "--accept-server-change"}).size(), 1u) << run.err;
  EXPECT_FALSE(std::filesystem::exists(auditDir())) << "a refused run opens no audit log";
}

TEST_F(CheckConfigTest, ASecondRunOnAHeldStoreExitsAtOnceNamingTheHolder) {
  // This test process holds the store as a running daemon would.
  std::filesystem::create_directories(dir_ / "var");
  const auto held = store::StoreLock::acquire((dir_ / "var" / "adapter.db").string());
  const std::string file = config();
  for (const char* mode : {"--once", ""}) {
    std::vector<std::string> args = {"run", "--config", file};
    if (*mode) args.push_back(mode);
    auto run = runAdapter(args);
    EXPECT_EQ(run.exit_code, 2) << mode;
    EXPECT_EQ(run.errLinesWith({"in use by process " + std::to_string(::getpid())}).size(), 1u) << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(auditDir())) << "nothing touched: no audit log";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "var" / "adapter.db")) << "nothing touched: no store";
}

TEST_F(CheckConfigTest, TheDeletionPolicyKeysAreCheckedForRange) {
  auto ok = runAdapter({"check-config", "--offline", "--config",
                        config("127.0.0.1:0", "\n[sync]\ndeletion_confirm_seconds = 0\nmax_withdraw_fraction = 0.5\n")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto bad = runAdapter({"check-config", "--offline", "--config",
                         config("127.0.0.1:0", "\n[sync]\ndeletion_confirm_seconds = -1\nmax_withdraw_fraction = 1.5\n")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.errLinesWith({"[sync] deletion_confirm_seconds: must be between 0 and"}).size(), 1u) << bad.err;
  EXPECT_EQ(bad.errLinesWith({"[sync] max_withdraw_fraction: must be between 0"}).size(), 1u) << bad.err;
  auto text =
      runAdapter({"check-config", "--offline", "--config", config("127.0.0.1:0", "\n[sync]\nmax_withdraw_fraction = \"0.2\"\n")});
  EXPECT_EQ(text.errLinesWith({"[sync] max_withdraw_fraction: must be a number"}).size(), 1u) << text.err;
}

}  // namespace
}  // namespace fa::daemon

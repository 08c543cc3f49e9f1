// drainAuditOutbox and recordChangeEvent: the audit entries of record changes come from the
// store's outbox (typed records), list every field that changed and no lab free text, and the
// outbox rows go only once the entries are committed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "audit/audit_query.h"
#include "daemon/audit_events.h"

namespace fa::daemon {
namespace {

namespace fs = std::filesystem;

class Folder {
 public:
  Folder()
      : path_(fs::temp_directory_path() /
              ("fa-outbox-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()))) {
    fs::create_directories(path_);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

engine::OutcomeRecord bili(const std::string& id, const char* value, core::Flag flag) {
  engine::OutcomeRecord r;
  r.resource_id = id;
  r.subject_id = "S-001";
  r.analyte = "BILI";
  r.observation = "Observation/" + id + "/_history/1";
  r.status = "final";
  r.effective = "2026-02-03";
  r.study_day = 8;
  r.visit = "W1";
  r.selected = true;
  r.value = core::Decimal::parse(value);
  r.unit = "umol/L";
  r.source_value = std::string(value) + " umol/L (J. Smith)";  // free text: never audited
  r.source_unit = "umol/L";
  r.range.low = core::Decimal::parse("3.4");
  r.range.high = core::Decimal::parse("20.5");
  r.ref_source = core::RangeSource::Site;
  r.flag = flag;
  return r;
}

class Outbox : public ::testing::Test {
 protected:
  void replace(const engine::OutcomeRecords& records, const char* hash) {
    auto t = store.transaction();
    store.replaceRecords(records, hash, "2026-02-04T10:00:00.000Z");
    t.commit();
  }
  std::vector<audit::AuditEntry> entries() {
    std::vector<audit::AuditEntry> out;
    audit::readEntries(dir.path() / "audit", [&](const audit::AuditEntry& e) {
      if (e.action.rfind("record_", 0) == 0) out.push_back(e);
    });
    return out;
  }
  std::unique_ptr<audit::AuditLog> openLog() {
    audit::AuditSettings s;
    s.dir = dir.path() / "audit";
    return audit::AuditLog::open(s);
  }
  Folder dir;
  store::ObservationStore store{(dir.path() / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite};
};

TEST_F(Outbox, ACreatedRecordListsEveryFieldButTheLabsFreeText) {
  replace({bili("a", "25.5", core::Flag::High)}, "hash-1");
  auto log = openLog();
  EXPECT_EQ(drainAuditOutbox(store, *log, "https://fhir.example/fhir"), 1u);
  EXPECT_EQ(store.pendingRecordChangeCount(), 0u);
  auto e = entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].action, "record_created");
  EXPECT_EQ(e[0].record_key, "a");
  EXPECT_EQ(e[0].source_ref, "Observation/a/_history/1");
  EXPECT_EQ(e[0].rule_version, "hash-1");
  EXPECT_EQ(e[0].source_server, "https://fhir.example/fhir");
  EXPECT_EQ(e[0].detail("after.value"), "25.5");
  EXPECT_EQ(e[0].detail("after.flag"), "high");
  EXPECT_EQ(e[0].detail("after.study_day"), "8");
  EXPECT_EQ(e[0].detail("after.selected"), "true");
  EXPECT_EQ(e[0].detail("after.ref_source"), "site");
  EXPECT_EQ(e[0].detail("after.ctcae_grade"), "null");
  EXPECT_EQ(e[0].detail("unlogged_changes"), "source_value,source_unit");
  EXPECT_EQ(e[0].details.count("after.source_value"), 0u);
  EXPECT_EQ(e[0].details.count("before.value"), 0u);
  for (const auto& [key, text] : e[0].details)
    EXPECT_EQ(text.find("Smith"), std::string::npos) << key;
}

TEST_F(Outbox, AReasonQuotingTheLabsUnitIsAuditedWithoutTheQuotedText) {
  // The lab sent a unit no mapping accepts; the engine's reason quotes it (here a name with a
  // quote inside). The audit keeps the words around it; everything from the first to the last
  // double quote becomes one marker.
  engine::OutcomeRecord r = bili("a", "30", core::Flag::Indeterminate);
  r.value.reset();
  r.source_unit = "Zebediah \"Q\"";
  r.reason = "unit \"Zebediah \"Q\"\" is not accepted for BILI";
  replace({r}, "hash-1");
  auto log = openLog();
  EXPECT_EQ(drainAuditOutbox(store, *log, "u"), 1u);
  auto e = entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].detail("after.reason"), "unit \"[source text]\" is not accepted for BILI");
  for (const auto& [key, text] : e[0].details)
    EXPECT_EQ(text.find("Zebediah"), std::string::npos) << key;
}

TEST_F(Outbox, AnUpdateListsOnlyTheFieldsThatChanged) {
  replace({bili("a", "18", core::Flag::Normal)}, "hash-1");
  auto log = openLog();
  drainAuditOutbox(store, *log, "https://fhir.example/fhir");
  engine::OutcomeRecord next = bili("a", "25.5", core::Flag::High);
  next.observation = "Observation/a/_history/2";
  replace({next}, "hash-1");
  EXPECT_EQ(drainAuditOutbox(store, *log, "https://fhir.example/fhir"), 1u);
  auto e = entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].action, "record_updated");
  // value 18 -> 25.5, flag normal -> high, the version, and the lab's text (named only).
  std::map<std::string, std::string> changed;
  for (const auto& [key, text] : e[1].details)
    if (key.rfind("before.", 0) == 0 || key.rfind("after.", 0) == 0) changed[key] = text;
  EXPECT_EQ(changed, (std::map<std::string, std::string>{{"before.value", "18"},
                                                         {"after.value", "25.5"},
                                                         {"before.flag", "normal"},
                                                         {"after.flag", "high"},
                                                         {"before.observation", "Observation/a/_history/1"},
                                                         {"after.observation", "Observation/a/_history/2"}}));
  EXPECT_EQ(e[1].detail("unlogged_changes"), "source_value");
  EXPECT_EQ(e[1].detail("subject_id"), "S-001");
  EXPECT_NE(e[1].detail("change_seq"), e[0].detail("change_seq"));
}

TEST_F(Outbox, ARetractionAndARemovalAreNamedSo) {
  replace({bili("a", "18", core::Flag::Normal), bili("b", "19", core::Flag::Normal)}, "hash-1");
  engine::OutcomeRecord withdrawn = bili("a", "18", core::Flag::Normal);
  withdrawn.status = "retracted";
  withdrawn.reason = "withdrawn: entered-in-error";
  replace({withdrawn}, "hash-2");  // b is gone
  auto log = openLog();
  EXPECT_EQ(drainAuditOutbox(store, *log, "u"), 4u);
  auto e = entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[2].action, "record_retracted");
  EXPECT_EQ(e[2].detail("reason"), "withdrawn: entered-in-error");
  EXPECT_EQ(e[2].detail("after.status"), "retracted");
  EXPECT_EQ(e[2].detail("before.status"), "final");
  EXPECT_EQ(e[2].rule_version, "hash-2");
  EXPECT_EQ(e[3].action, "record_removed");
  EXPECT_EQ(e[3].detail("before.value"), "19");
  EXPECT_EQ(e[3].details.count("after.value"), 0u);
}

TEST_F(Outbox, NothingPendingWritesNothing) {
  auto log = openLog();
  EXPECT_EQ(drainAuditOutbox(store, *log, "u"), 0u);  // safe at start-up on an empty outbox
  replace({bili("a", "18", core::Flag::Normal)}, "hash-1");
  drainAuditOutbox(store, *log, "u");
  replace({bili("a", "18", core::Flag::Normal)}, "hash-1");  // the same again: no change
  EXPECT_EQ(drainAuditOutbox(store, *log, "u"), 0u);
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(Outbox, ChangesLeftByACrashAreAuditedAtTheNextStart) {
  // A child process commits two record changes and dies before auditing them (no destructor
  // runs); the next start drains them first.
  const std::string path = (dir.path() / "adapter.db").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    store::ObservationStore own(path, store::SqliteDb::Mode::ReadWrite);
    auto t = own.transaction();
    own.replaceRecords({bili("a", "18", core::Flag::Normal), bili("b", "25.5", core::Flag::High)}, "hash-1", "t");
    t.commit();
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(store.pendingRecordChangeCount(), 2u);
  auto log = openLog();
  EXPECT_EQ(drainAuditOutbox(store, *log, "u"), 2u);
  auto e = entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].record_key, "a");
  EXPECT_EQ(e[1].record_key, "b");
  EXPECT_EQ(e[1].detail("after.flag"), "high");
  EXPECT_EQ(store.pendingRecordChangeCount(), 0u);
}

}  // namespace
}  // namespace fa::daemon

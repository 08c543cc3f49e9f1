// The built binary: `fhir-adapter audit verify|show|export|repair` and
// `fhir-adapter review list|accept|override` (CONTRACT.md exit codes: 0 intact, 3 broken, 2 usage).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "audit/audit_files.h"
#include "audit_fixtures.h"
#include "cli/run_command.h"
#include "store/observation_store.h"

namespace fa::audit_test {
namespace {

using cli_test::CommandResult;

class AuditCli : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(tmp / "audit.key", kKey + "\n");
    writeConfig("");
  }
  void writeConfig(const std::string& extraAudit) {
    writeFile(tmp / "adapter.toml",
              "[fhir]\nbase_url = \"https://fhir.example/fhir\"\n"
              "[trial]\nmappings = \"" FA_SOURCE_DIR "/fhir-mappings\"\nsubjects = \"" FA_TEST_DATA_DIR
              "/cli/roster.csv\"\n"
              "[store]\npath = \"adapter.db\"\n"
              "[audit]\ndir = \"audit\"\nkey_file = \"audit.key\"\n" +
                  extraAudit);
  }
  CommandResult run(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back((tmp / "adapter.toml").string());
    return cli_test::runCommand(FA_BINARY, args);
  }
  void storeRecord(const std::string& id) {
    store::ObservationStore s((tmp / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    engine::OutcomeRecord r;
    r.resource_id = id;
    r.subject_id = "S-001";
    r.analyte = "BILI";
    r.observation = "Observation/" + id + "/_history/3";
    r.status = "final";
    r.value = core::Decimal::parse("45.2");
    r.unit = "umol/L";
    r.flag = core::Flag::High;
    r.ctcae_grade = 1;
    r.selected = true;
    auto t = s.transaction();
    s.replaceRecords({r}, "rules-hash-1", "2026-03-01T00:00:00.000Z");
    s.setMeta("mappings_hash", "rules-hash-1");
    t.commit();
  }
  TempDir tmp;
};

TEST_F(AuditCli, VerifyNotesRecordChangesNotYetAudited) {
  // storeRecord commits a change without auditing it (the daemon's drain is not run): its
  // outbox row waits. A note, exit 0: the log itself is intact and the change will be written.
  buildLog(tmp / "audit", 3);
  storeRecord("obs-1");
  auto r = run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 record change(s) in the store not yet audited"), std::string::npos) << r.err;
}

TEST_F(AuditCli, VerifyIntactExitsZeroWithASummaryLine) {
  buildLog(tmp / "audit", 7);
  auto r = run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("entries in 1 segment"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("last checkpoint entry"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HMAC-SHA256"), std::string::npos) << r.out;
}

TEST_F(AuditCli, VerifyBrokenExitsThreeNamingFileAndLine) {
  buildLog(tmp / "audit", 7);
  const fs::path seg = tmp / "audit" / audit::segmentName(1);
  auto lines = splitLines(readFile(seg));
  lines[4][lines[4].find("obs-")] = 'x';
  writeFile(seg, joinLines(lines));
  auto r = run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(r.errLinesWith({seg.string(), "line 5", "hash does not match"}).empty()) << r.err;
}

TEST_F(AuditCli, VerifyUsageErrorsExitTwo) {
  EXPECT_EQ(cli_test::runCommand(FA_BINARY, {"audit", "verify"}).exit_code, 2);
  EXPECT_EQ(cli_test::runCommand(FA_BINARY, {"audit", "verify", "--config", (tmp / "missing.toml").string()}).exit_code, 2);
  EXPECT_EQ(cli_test::runCommand(FA_BINARY, {"audit", "frobnicate", "--config", (tmp / "adapter.toml").string()}).exit_code, 2);
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 2);  // no audit folder yet
  writeConfig("bogus = 1\n");
  auto r = run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.errLinesWith({"[audit] bogus", "unknown key"}).empty()) << r.err;
  writeFile(tmp / "short.key", "short\n");
  writeConfig("");
  writeFile(tmp / "adapter.toml", readFile(tmp / "adapter.toml") + "max_segment_mb = 0\n");
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 2);
}

TEST_F(AuditCli, RepairDropsAPartialLineAndVerifyThenPasses) {
  buildLog(tmp / "audit", 4);
  const fs::path seg = tmp / "audit" / audit::segmentName(1);
  const std::string committed = readFile(seg);
  writeFile(seg, committed + "{\"seq\":99,\"time\":\"2026-");
  auto r = run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.errLinesWith({"partial last line", "audit repair"}).empty()) << r.err;
  r = run({"audit", "repair"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dropped the partial last line"), std::string::npos) << r.out;
  EXPECT_EQ(readFile(seg).substr(0, committed.size()), committed);
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 0);
  r = run({"audit", "repair"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("nothing to repair"), std::string::npos);
}

TEST_F(AuditCli, ShowFiltersAndExportsFhirAndCsv) {
  buildLog(tmp / "audit", 10);
  auto r = run({"audit", "show", "--subject", "S-101", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = splitLines(r.out);
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines)
    EXPECT_EQ(audit::parseEntry(l)->detail("subject_id"), "S-101");
  r = run({"audit", "show", "--action", "record_updated"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(splitLines(r.out).size(), 11u);  // header + 10
  r = run({"audit", "export", "--format", "fhir"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document doc;
  doc.Parse(r.out.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["entry"][0]["resource"]["resourceType"].GetString(), "AuditEvent");
  r = run({"audit", "export", "--format", "csv", "--output", (tmp / "audit.csv").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(readFile(tmp / "audit.csv").rfind("seq,time,actor,action", 0), 0u);
  EXPECT_EQ(run({"audit", "export"}).exit_code, 2);  // --format is required
  EXPECT_EQ(run({"audit", "export", "--format", "xml"}).exit_code, 2);
}

TEST_F(AuditCli, ReviewAcceptAndOverrideAreAuditedAndListed) {
  storeRecord("obs-9");
  auto r = run({"review", "accept", "--reviewer", "Dr A. Reviewer", "--observation", "obs-9"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({"review", "override", "--reviewer", "Dr B. Reviewer", "--observation", "Observation/obs-9", "--reason",
           "haemolysed sample", "--flag", "not_assessable"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({"review", "list", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = splitLines(r.out);
  ASSERT_EQ(lines.size(), 1u) << r.out;
  rapidjson::Document doc;
  doc.Parse(lines[0].c_str());
  EXPECT_STREQ(doc["decision"].GetString(), "overridden");
  EXPECT_STREQ(doc["reviewer"].GetString(), "Dr B. Reviewer");
  EXPECT_STREQ(doc["reason"].GetString(), "haemolysed sample");
  EXPECT_STREQ(doc["flag"].GetString(), "high");
  EXPECT_STREQ(doc["override_flag"].GetString(), "not_assessable");
  EXPECT_STREQ(doc["observation"].GetString(), "Observation/obs-9/_history/3");
  EXPECT_EQ(run({"audit", "verify"}).exit_code, 0);
  // The source data is untouched.
  store::ObservationStore s((tmp / "adapter.db").string(), store::SqliteDb::Mode::ReadOnly);
  s.forEachRecord([](const engine::OutcomeRecord& rec) { EXPECT_EQ(rec.flag, core::Flag::High); });
  // Table form, and the export shows the reviewer.
  r = run({"review", "list"});
  EXPECT_NE(r.out.find("haemolysed sample"), std::string::npos);
  r = run({"audit", "export", "--format", "fhir", "--action", "review_overridden"});
  EXPECT_NE(r.out.find("Dr B. Reviewer"), std::string::npos);
  EXPECT_NE(r.out.find("humanuser"), std::string::npos);
}

TEST_F(AuditCli, ReviewUsageErrorsExitTwo) {
  storeRecord("obs-9");
  EXPECT_EQ(run({"review", "override", "--reviewer", "Dr B", "--observation", "obs-9"}).exit_code, 2);  // no reason
  EXPECT_EQ(run({"review", "accept", "--observation", "obs-9"}).exit_code, 2);                          // no reviewer
  EXPECT_EQ(run({"review", "accept", "--reviewer", "Dr B", "--observation", "nope"}).exit_code, 2);     // no such record
  EXPECT_EQ(
      run({"review", "override", "--reviewer", "Dr B", "--observation", "obs-9", "--reason", "x", "--flag", "purple"}).exit_code,
      2);
}

}  // namespace
}  // namespace fa::audit_test

// `fhir-adapter map` exit codes 1 and 2 (docs/contract.md "Exit codes and errors"), and PHI on
// standard error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "cli/map_fixtures.h"

namespace fa::cli_test {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Exit 1: rejected input; every valid record still written.

// Lines: 1 ok-1, 2 ok-2, 3 malformed JSON, 4 value "abc", 5 status "bogus", 6 unknown
// modifierExtension, 7 ok-3.
std::string rejectsNdjson() {
  const std::string p1 = R"({"reference": "Patient/p1"})";
  return observationLine("ok-1", "1975-2", p1, "2026-01-09", umol("10")) +
         observationLine("ok-2", "1751-7", p1, "2026-01-09", R"({"value": 45, "unit": "g/L"})") +
         R"({"resourceType": "Observation", "id": "broken", "status": "final", "code": {"coding": [)"
         "\n" +
         observationLine("bad-value", "1975-2", p1, "2026-02-07", R"({"value": "abc", "unit": "umol/L"})") +
         observationLine("bad-status", "1975-2", p1, "2026-02-08", umol("12"), "bogus") +
         observationLine(
             "bad-mod", "1975-2", p1, "2026-02-09", umol("13"), "final",
             R"(, "modifierExtension": [{"url": "http://example.org/fhir/StructureDefinition/not-really", "valueBoolean": true}])") +
         observationLine("ok-3", "1975-2", R"({"reference": "Patient/p2"})", "2026-02-09", umol("14"));
}

TEST(MapRejects, MalformedLineAndInvalidResourcesExitOneAndKeepValidRecords) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto records = parseNdjson(r.out);
  expectContractFields(records);
  EXPECT_EQ(observations(records), (std::vector<std::string>{"Observation/ok-2/_history/1", "Observation/ok-1/_history/1",
                                                             "Observation/ok-3/_history/1"}));
  expectSummary(r, /*read*/ 6, /*written*/ 3, /*rejected*/ 4, 0, 0);
}

TEST(MapRejects, MalformedLineIsNamedByFileAndLine) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.errLinesWith({in, "line 3"}).empty()) << r.err;
  // No other line is blamed for the malformed JSON.
  EXPECT_TRUE(r.errLinesWith({"line 1"}).empty() && r.errLinesWith({"line 2"}).empty() && r.errLinesWith({"line 7"}).empty())
      << r.err;
}

TEST(MapRejects, InvalidValueIsNamedByResourceIdAndField) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.errLinesWith({in, "line 4", "bad-value", "valueQuantity.value"}).empty()) << r.err;
}

TEST(MapRejects, BogusStatusIsNamedByResourceIdAndField) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.errLinesWith({in, "line 5", "bad-status", "status"}).empty()) << r.err;
}

TEST(MapRejects, UnknownModifierExtensionIsNamedByResourceId) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.errLinesWith({in, "line 6", "bad-mod", "modifierExtension"}).empty()) << r.err;
}

// A crash found: 1.5e-157 needs 158 fraction digits; the decimal code overflowed Int128 and
// then divided by zero (SIGFPE). Now it is one rejected resource; the good one is written.
TEST(MapRejects, ValueOutOfDecimalRangeIsRejectedAndTheGoodRecordWritten) {
  TempDir tmp;
  const std::string p1 = R"({"reference": "Patient/p1"})";
  const std::string in = tmp.write("tiny.ndjson", observationLine("tiny", "1975-2", p1, "2026-01-09", umol("1.5e-157")) +
                                                      observationLine("good", "1975-2", p1, "2026-01-10", umol("10")));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto records = parseNdjson(r.out);
  expectContractFields(records);
  EXPECT_EQ(observations(records), (std::vector<std::string>{"Observation/good/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({in, "line 1", "tiny", "valueQuantity.value", "value out of range"}).empty()) << r.err;
  expectSummary(r, /*read*/ 2, /*written*/ 1, /*rejected*/ 1, 0, 0);
}

TEST(MapRejects, SummaryIsTheLastLineAfterTheRejections) {
  TempDir tmp;
  const std::string in = tmp.write("rejects.ndjson", rejectsNdjson());
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  auto lines = r.errLines();
  ASSERT_GE(lines.size(), 5u) << r.err;
  // One line per rejection, then the summary.
  EXPECT_EQ(lines.size(), 5u) << r.err;
  EXPECT_TRUE(parseSummary(lines.back()).has_value()) << r.err;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    EXPECT_FALSE(parseSummary(lines[i]).has_value()) << lines[i];
}

TEST(MapRejects, TruncatedFirstLineOfNdjsonKeepsTheLinesAfterIt) {
  // Bug found by this suite: a first line cut short looked like the start of a pretty-printed
  // document, so the whole file was one parse error and the valid lines 2-3 were lost.
  TempDir tmp;
  const std::string in = tmp.write(
      "first.ndjson", std::string(R"({"resourceType": "Observation", "id": "cut", "status": "final",)") + "\n" +
                          observationLine("after-1", "1975-2", R"({"reference": "Patient/p1"})", "2026-01-09", umol("10")) +
                          observationLine("after-2", "1975-2", R"({"reference": "Patient/p2"})", "2026-02-09", umol("11")));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)),
            (std::vector<std::string>{"Observation/after-1/_history/1", "Observation/after-2/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({in, "line 1"}).empty()) << r.err;
  expectSummary(r, 2, 2, 1, 0, 0);
}

TEST(MapRejects, TruncatedFirstLineOnStandardInput) {
  const std::string text = std::string(R"({"resourceType": "Observation", "id": "cut", "code": {)") + "\n\n" +
                           observationLine("after-1", "1975-2", R"({"reference": "Patient/p1"})", "2026-01-09", umol("10"));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), text);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/after-1/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({"line 1"}).empty()) << r.err;
}

TEST(MapRejects, LineNumbersCountBlankLinesBeforeTheContent) {
  // Line numbers are the file's own: blank lines (and a byte order mark) before the first
  // resource still count.
  TempDir tmp;
  const std::string in = tmp.write(
      "blank.ndjson",
      std::string("\xEF\xBB\xBF\n\n") +
          observationLine("b-ok", "1975-2", R"({"reference": "Patient/p1"})", "2026-01-09", umol("10")) + "{not json}\n" +
          observationLine("b-bad", "1975-2", R"({"reference": "Patient/p1"})", "2026-01-09", R"({"value": "abc"})"));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/b-ok/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({in, "line 4"}).empty()) << r.err;
  EXPECT_FALSE(r.errLinesWith({in, "line 5", "b-bad"}).empty()) << r.err;
}

TEST(MapRejects, NotJsonAtAll) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), std::string("subject_id,patient\nS01,Patient/p1\n"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  expectSummary(r, 0, 0, 2, 0, 0);  // two lines, neither JSON
}

TEST(MapRejects, InvalidEntryInABundleIsNamedByEntryAndId) {
  TempDir tmp;
  const std::string in = tmp.write("bundle.json", R"({
  "resourceType": "Bundle",
  "type": "collection",
  "entry": [
    {"resource": {"resourceType": "Observation", "id": "be-ok", "meta": {"versionId": "1"}, "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-02-07",
      "valueQuantity": {"value": 12, "unit": "umol/L"}}},
    {"resource": {"resourceType": "Observation", "id": "be-bad", "meta": {"versionId": "1"}, "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-02-08",
      "valueQuantity": {"value": "abc", "unit": "umol/L"}}}
  ]
}
)");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/be-ok/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({in, "entry", "be-bad", "valueQuantity.value"}).empty()) << r.err;
  expectSummary(r, 2, 1, 1, 0, 0);
}

TEST(MapRejects, RejectionsOfIgnoredResourcesAreNotChecked) {
  // Resources other than Observation and unmatched Observations are ignored without checks,
  // even when they would be invalid.
  TempDir tmp;
  const std::string in = tmp.write(
      "ignored.ndjson",
      observationLine("glu-bad", "2345-7", R"({"reference": "Patient/p1"})", "2026-02-07", R"({"value": "abc"})", "bogus") +
          R"({"resourceType": "Patient", "id": "p1", "birthDate": "not a date", "modifierExtension": [{"url": "http://x"}]})"
          "\n");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expectSummary(r, 2, 0, 0, 0, 2);
}

TEST(MapRejects, NonexistentInputIsRejectedAndTheOthersStillWritten) {
  TempDir tmp;
  const std::string missing = tmp.file("no-such-file.ndjson");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {missing, data("single-observation.json")}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/single-1"}));
  EXPECT_FALSE(r.errLinesWith({missing}).empty()) << r.err;
  expectSummary(r, 1, 1, 1, 0, 0);
}

TEST(MapRejects, DirectoryAsInputIsRejected) {
  TempDir tmp;
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {tmp.path().string(), data("single-observation.json")}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/single-1"}));
  EXPECT_FALSE(r.errLinesWith({tmp.path().string()}).empty()) << r.err;
  expectSummary(r, 1, 1, 1, 0, 0);
}

TEST(MapRejects, UnreadableInputIsRejected) {
  if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reading";
  TempDir tmp;
  const std::string in = tmp.write("locked.ndjson", readFile(data("single-observation.json")));
  fs::permissions(in, fs::perms::none);
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.errLinesWith({in}).empty()) << r.err;
  expectSummary(r, 0, 0, 1, 0, 0);
}

TEST(MapRejects, TruncatedBundleKeepsTheEntriesBeforeTheError) {
  std::string text = readFile(data("bundle-transaction.json"));
  text = text.substr(0, text.find("\"eie-1\""));  // cut inside the second entry
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), text);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/tx-1/_history/1"}));
  EXPECT_FALSE(r.errLinesWith({"<stdin>"}).empty() && r.errLinesWith({"stdin"}).empty()) << "stdin should be named: " << r.err;
}

// ---------------------------------------------------------------------------------------------
// PHI: a Patient's name or identifier value never appears on standard error.

TEST(MapPhi, PatientNamesAndIdentifiersNeverReachStandardError) {
  TempDir tmp;
  const std::string in = tmp.write(
      "phi.ndjson",
      // A Patient with a name and an MRN: ignored.
      std::string(
          R"({"resourceType": "Patient", "id": "p1", "identifier": [{"system": "http://hospital.example/mrn", "value": "MRN-PHI-44719"}], "name": [{"family": "Qiaolianfeng", "given": ["Xiumei"]}]})") +
          "\n" +
          // An Observation of a non-roster patient named by identifier and display: skipped.
          observationLine(
              "phi-1", "1975-2",
              R"({"identifier": {"system": "http://hospital.example/mrn", "value": "MRN-PHI-55821"}, "display": "Qiaolianfeng Xiumei"})",
              "2026-02-07", umol("10")) +
          // A rejected Observation whose subject carries the PHI.
          observationLine(
              "phi-2", "1975-2",
              R"({"identifier": {"system": "http://hospital.example/mrn", "value": "MRN-PHI-44719"}, "display": "Qiaolianfeng Xiumei"})",
              "2026-02-07", R"({"value": "abc"})") +
          observationLine("phi-3", "1975-2", R"({"reference": "Patient/p1", "display": "Qiaolianfeng Xiumei"})", "2026-02-07",
                          umol("10"), "bogus") +
          // A malformed line holding a name.
          R"({"resourceType": "Patient", "id": "p9", "name": [{"family": "Qiaolianfeng", "given": ["Xiumei"]}] )"
          "\n" +
          // A bad Bundle-less resource line with the name in an unexpected place.
          R"({"resourceType": "Observation", "id": "phi-4", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]}, "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "Qiaolianfeng", "valueQuantity": {"value": 1, "unit": "umol/L"}})"
          "\n");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (const char* phi : {"MRN-PHI-44719", "MRN-PHI-55821", "Qiaolianfeng", "Xiumei"})
    EXPECT_EQ(r.err.find(phi), std::string::npos) << phi << " on stderr:\n" << r.err;
  // Still, the rejections are there, named by resource id.
  EXPECT_FALSE(r.errLinesWith({"phi-2"}).empty()) << r.err;
  EXPECT_FALSE(r.errLinesWith({"phi-3"}).empty()) << r.err;
  EXPECT_FALSE(r.errLinesWith({"phi-4"}).empty()) << r.err;
  EXPECT_FALSE(r.errLinesWith({"line 5"}).empty()) << r.err;
  expectSummary(r, 5, 0, 4, 1, 1);
}

TEST(MapPhi, CleanRunWithPatientResourceKeepsStandardErrorClean) {
  // clean.ndjson line 1 is a Patient with name Xiumei Qiaolianfeng and MRN-PHI-44719.
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0);
  for (const char* phi : {"MRN-PHI-44719", "Qiaolianfeng", "Xiumei", "p99", "MRN-0003"}) {
    EXPECT_EQ(r.err.find(phi), std::string::npos) << phi << " on stderr:\n" << r.err;
    EXPECT_EQ(r.out.find(phi), std::string::npos) << phi << " on stdout";
  }
}

// ---------------------------------------------------------------------------------------------
// Exit 2: usage and configuration errors; nothing on standard output, no output file.

void expectUsageError(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "") << "nothing may be written on a usage or configuration error";
  EXPECT_FALSE(r.err.empty()) << "standard error should say what is wrong";
}

TEST(MapUsage, ThreadsOutOfRange) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--threads", "0", data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_NE(r.err.find("--threads: Value 0 not in range 1 to 8"), std::string::npos) << r.err;
}

TEST(MapUsage, MissingMappings) {
  CommandResult r = runAdapter({"map", "--subjects", data("roster.csv"), data("clean.ndjson")});
  expectUsageError(r);
  EXPECT_NE(r.err.find("--mappings"), std::string::npos) << r.err;
}

TEST(MapUsage, MissingSubjects) {
  CommandResult r = runAdapter({"map", "--mappings", kMappings, data("clean.ndjson")});
  expectUsageError(r);
  EXPECT_NE(r.err.find("--subjects"), std::string::npos) << r.err;
}

TEST(MapUsage, UnknownFlag) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--frobnicate", data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.err;
}

TEST(MapUsage, BadFormat) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--format", "xml", data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_NE(r.err.find("xml"), std::string::npos) << r.err;
}

TEST(MapUsage, NoInput) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {}));
  expectUsageError(r);
}

TEST(MapUsage, UsageErrorLeavesNoOutputFile) {
  TempDir tmp;
  const std::string out = tmp.file("records.ndjson");
  CommandResult r = runAdapter(mapArgs(tmp.file("missing.csv"), {"--output", out, data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_FALSE(fs::exists(out)) << "a configuration error must not create the output file";
}

TEST(MapUsage, UnreadableRoster) {
  TempDir tmp;
  const std::string missing = tmp.file("no-roster.csv");
  CommandResult r = runAdapter(mapArgs(missing, {data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
}

TEST(MapUsage, RosterWithBadHeader) {
  TempDir tmp;
  const std::string roster = tmp.write("roster.csv", "subject,patient_ref,first_dose,second_dose\nS01,Patient/p1,2026-01-10,\n");
  CommandResult r = runAdapter(mapArgs(roster, {data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({roster, "line 1"}).empty()) << r.err;
}

TEST(MapUsage, RosterWithBadDateNamesTheLine) {
  TempDir tmp;
  const std::string roster = tmp.write("roster.csv",
                                       "subject_id,patient,dose1_date,dose2_date\n"
                                       "S01,Patient/p1,2026-01-10,2026-06-27\n"
                                       "S02,Patient/p2,2026-13-45,\n"
                                       "S03,Patient/p3,,\n");
  CommandResult r = runAdapter(mapArgs(roster, {data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({roster, "line 3"}).empty()) << r.err;
  EXPECT_TRUE(r.errLinesWith({"line 2"}).empty()) << r.err;
}

TEST(MapUsage, RosterWithSlashedDateNamesTheLine) {
  TempDir tmp;
  const std::string roster = tmp.write("roster.csv",
                                       "subject_id,patient,dose1_date,dose2_date\n"
                                       "S01,Patient/p1,2026/01/10,\n");
  CommandResult r = runAdapter(mapArgs(roster, {data("clean.ndjson")}));
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({roster, "line 2"}).empty()) << r.err;
}

TEST(MapUsage, OutputIntoAMissingFolder) {
  TempDir tmp;
  const std::string out = tmp.file("no-such-dir/records.ndjson");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--output", out, data("clean.ndjson")}));
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(r.errLinesWith({out}).empty()) << r.err;
}

TEST(MapUsage, RosterWithAnIdentifierPatientAndQuotedFields) {
  // RFC 4180 quoting in the roster; a system|value patient.
  TempDir tmp;
  const std::string roster = tmp.write("roster.csv",
                                       "subject_id,patient,dose1_date,dose2_date\r\n"
                                       "\"S03\",\"http://hospital.example/mrn|MRN-0003\",2026-01-10,\r\n");
  CommandResult r = runAdapter(mapArgs(roster, {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  ASSERT_EQ(observations(records), (std::vector<std::string>{"Observation/igg-1/_history/1"}));
  // Now with a first dose 2026-01-10: 2026-02-01 is day 23, inside W4 (22-36).
  EXPECT_EQ(records[0]["study_day"].GetInt(), 23);
  EXPECT_EQ(records[0].str("visit"), "W4");
  EXPECT_TRUE(records[0]["selected"].GetBool());
  // 18 analyte Observations (bili-5 twice): 1 on this roster, 17 skipped.
  expectSummary(r, 20, 1, 0, 17, 2);
}

// Invalid mappings: a copy of the default fhir-mappings with one file broken.
class MapMappings : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() / "fhir-mappings";
    fs::copy(kMappings, dir_, fs::copy_options::recursive);
  }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  void replaceIn(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = readFile(file(name));
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << name;
    text.replace(at, from.size(), to);
    fs::permissions(file(name), fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(file(name), std::ios::binary | std::ios::trunc) << text;
  }
  CommandResult run() {
    return runAdapter({"map", "--mappings", dir_.string(), "--subjects", data("roster.csv"), data("clean.ndjson")});
  }

  TempDir tmp_;
  fs::path dir_;
};

TEST_F(MapMappings, TheUnbrokenCopyWorks) {
  CommandResult r = run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")})).out);
}

TEST_F(MapMappings, BadUtcOffsetNamesFileAndJsonPath) {
  replaceIn("trial.json", "\"name\": \"Asia/Shanghai\"", "\"name\": \"Asia/Shanghai\", \"utc_offset\": \"+8 hours\"");
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"trial.json", "/time_zone/utc_offset"}).empty()) << r.err;
}

TEST_F(MapMappings, UnknownAnalyteInRangesNamesFileAndJsonPath) {
  replaceIn("ranges.json", "{ \"analyte\": \"ALB\",     \"low\": 40,   \"high\": 55 }",
            "{ \"analyte\": \"ALBUMEN\", \"low\": 40,   \"high\": 55 }");
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"ranges.json", "/protocol_defaults/1"}).empty()) << r.err;
}

TEST_F(MapMappings, LowAboveHighNamesFileAndJsonPath) {
  replaceIn("ranges.json", "{ \"analyte\": \"PT\",      \"low\": 11.0, \"high\": 14.5 }",
            "{ \"analyte\": \"PT\",      \"low\": 15.0, \"high\": 14.5 }");
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"ranges.json", "/protocol_defaults/2"}).empty()) << r.err;
}

TEST_F(MapMappings, WrongTypeInAnalytesNamesFileAndJsonPath) {
  replaceIn("analytes.json", "{ \"spellings\": [\"mg/dL\"], \"multiply_by\": 17.1 }",
            "{ \"spellings\": [\"mg/dL\"], \"multiply_by\": \"seventeen\" }");
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"analytes.json", "/analytes/0/units/1"}).empty()) << r.err;
}

TEST_F(MapMappings, JsonSyntaxErrorNamesFileAndLine) {
  replaceIn("ctcae.json", "\"version\"", "\"version\" \"oops\",");
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"ctcae.json", "line"}).empty()) << r.err;
}

TEST_F(MapMappings, MissingMappingFileIsNamed) {
  fs::remove(file("outcomes.json"));
  CommandResult r = run();
  expectUsageError(r);
  EXPECT_FALSE(r.errLinesWith({"outcomes.json"}).empty()) << r.err;
}

TEST_F(MapMappings, MappingsFolderThatDoesNotExist) {
  CommandResult r = runAdapter({"map", "--mappings", file("nowhere"), "--subjects", data("roster.csv"), data("clean.ndjson")});
  expectUsageError(r);
  EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fa::cli_test

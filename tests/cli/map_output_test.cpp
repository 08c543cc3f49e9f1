// `fhir-adapter map` with usable input: exit 0, the records, their fields, order and formats
// (docs/contract.md "fhir-adapter map"; expected values worked out by hand from docs/trial-rules.md).
//
// tests/data/cli/clean.ndjson, roster.csv (S01 = Patient/p1, dose1 2026-01-10; S02 =
// Patient/p2, dose1 2026-01-12; S03 = identifier http://hospital.example/mrn|MRN-0003, no dose):
//   a Patient (ignored), 16 analyte Observations on the roster (bili-5 in two versions, the
//   newer first), a glucose Observation (ignored), an Observation of Patient/p99 (skipped).
// tests/data/cli/clean.expected.ndjson holds the 16 expected records; the notable hand-worked ones:
//   bili-2  1.5 mg/dL x17.1 = 25.65 umol/L > 20.5: high; 25.65/20.5 = 1.25 ULN: grade 1; day 29: W4
//   bili-3  "2026-04-04T20:00:00Z" is 2026-04-05 04:00 in Asia/Shanghai: day 86, W12; "1.10" kept
//   bili-4  preliminary: kept, graded (30/20.5 = 1.46: 1), never selected
//   alb-1   dataAbsentReason only: value null, indeterminate, reason names the code, not selected
//   alb-3   unit "furlongs": value null, indeterminate, reason names the unit, range still shown
//   hbv-1   "<20" IU/mL: interval below the LLOQ 20: normal, comparator "<", ref_low null
//   inr-1   own referenceRange 0.9-1.3: ref_source observation, high; CTCAE 1.35 > 1.2: grade 1
//   alb-4   no effective[x]: effective/study_day null, UNSCHEDULED, sorted first for S02 ALB
//   fib-a/b same date: ordered by observation
//   igg-1   subject by identifier (S03); no dose1: study_day null, UNSCHEDULED
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/map_fixtures.h"

namespace fa::cli_test {
namespace {

TEST(MapOutput, CleanNdjsonExitsZeroWithHandWorkedRecords) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expectRecords(readFile(data("clean.expected.ndjson")), r.out);
  expectSummary(r, /*read*/ 20, /*written*/ 16, /*rejected*/ 0, /*skipped*/ 1, /*ignored*/ 2);
  // Only the summary on standard error: nothing was rejected.
  EXPECT_EQ(r.errLines().size(), 1u) << r.err;
}

TEST(MapOutput, EveryRecordHasExactlyTheContractFieldsInOrder) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  ASSERT_FALSE(records.empty());
  expectContractFields(records);
  // The field types the contract table implies.
  for (const JsonRecord& rec : records) {
    for (const char* s : {"subject_id", "analyte", "observation", "status", "visit", "unit"})
      EXPECT_TRUE(rec[s].IsString()) << s << ": " << rec.line;
    for (const char* b : {"selected", "baseline"})
      EXPECT_TRUE(rec[b].IsBool()) << b << ": " << rec.line;
    for (const char* n : {"study_day", "ctcae_grade"})
      EXPECT_TRUE(rec[n].IsNull() || rec[n].IsInt()) << n << ": " << rec.line;
    for (const char* n : {"value", "ref_low", "ref_high"})
      EXPECT_TRUE(rec[n].IsNull() || rec[n].IsNumber()) << n << ": " << rec.line;
    for (const char* s : {"effective", "comparator", "source_value", "source_unit", "ref_source", "flag", "reason"})
      EXPECT_TRUE(rec[s].IsNull() || rec[s].IsString()) << s << ": " << rec.line;
    EXPECT_FALSE(rec["baseline"].GetBool() && !rec["selected"].GetBool()) << "baseline implies selected: " << rec.line;
  }
}

TEST(MapOutput, RecordsAreSortedBySubjectAnalyteEffectiveObservationWithNullFirst) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  auto key = [](const JsonRecord& rec) {
    const rapidjson::Value& e = rec["effective"];
    return std::make_tuple(rec.str("subject_id"), rec.str("analyte"), e.IsNull() ? 0 : 1,
                           e.IsString() ? std::string(e.GetString()) : std::string(), rec.str("observation"));
  };
  for (std::size_t i = 1; i < records.size(); ++i)
    EXPECT_LT(key(records[i - 1]), key(records[i])) << records[i - 1].line << "\n  before\n" << records[i].line;
  // The null effective sorts before the dated records of the same subject and analyte.
  auto obs = observations(records);
  EXPECT_EQ(obs[11], "Observation/alb-4/_history/1");
}

TEST(MapOutput, OneRecordPerObservationIdFromItsLatestVersion) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  int bili5 = 0;
  for (const JsonRecord& rec : records)
    bili5 += rec.str("observation").find("Observation/bili-5/") == 0;
  EXPECT_EQ(bili5, 1);
  const JsonRecord* latest = findRecord(records, "Observation/bili-5/_history/2");
  ASSERT_NE(latest, nullptr) << r.out;
  EXPECT_EQ(latest->str("status"), "amended");
  EXPECT_EQ((*latest)["value"].GetDouble(), 12);
}

TEST(MapOutput, SameInputTwiceGivesTheSameRecordsOnce) {
  // The same id and version seen twice is one record.
  CommandResult once = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  CommandResult twice = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson"), data("clean.ndjson")}));
  ASSERT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_EQ(twice.out, once.out);
  expectSummary(twice, 40, 16, 0, 2, 4);
}

// --threads (docs/contract.md) tunes how many threads parse NDJSON lines, never the output.
TEST(MapOutput, ThreadsChangeNothingButTheSpeed) {
  CommandResult one = runAdapter(mapArgs(data("roster.csv"), {"--threads", "1", data("clean.ndjson")}));
  CommandResult three = runAdapter(mapArgs(data("roster.csv"), {"--threads", "3", data("clean.ndjson")}));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(three.exit_code, 0) << three.err;
  EXPECT_EQ(three.out, one.out);
  EXPECT_EQ(three.err, one.err);
  expectSummary(three, 20, 16, 0, 1, 2);
}

// CSV: the header in contract order, then the same values as NDJSON (null -> empty cell).
TEST(MapOutput, CsvHasTheContractHeaderAndTheSameValuesAsNdjson) {
  CommandResult ndjson = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  CommandResult csv = runAdapter(mapArgs(data("roster.csv"), {"--format", "csv", data("clean.ndjson")}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  ASSERT_EQ(ndjson.exit_code, 0) << ndjson.err;
  // The contract's columns in order, then the CSV's own observation_id and version.
  const std::string header =
      "subject_id,analyte,observation,status,effective,study_day,visit,selected,baseline,comparator,value,unit,"
      "source_value,source_unit,ref_low,ref_high,ref_source,flag,ctcae_grade,reason,observation_id,version";
  ASSERT_EQ(csv.out.substr(0, csv.out.find('\n')), header);
  auto rows = parseCsv(csv.out);
  auto records = parseNdjson(ndjson.out, /*numbers_as_strings*/ true);
  ASSERT_EQ(rows.size(), records.size() + 1);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), kFields.size() + 2) << "CSV row " << i + 2;
    EXPECT_EQ("Observation/" + row[20] + "/_history/" + row[21], row[2]) << "CSV row " << i + 2;  // id, version
    for (std::size_t f = 0; f < kFields.size(); ++f) {
      const rapidjson::Value& v = records[i][kFields[f].c_str()];
      std::string expected;
      if (v.IsString())
        expected.assign(v.GetString(), v.GetStringLength());  // numbers too (exact text)
      else if (v.IsBool())
        expected = v.GetBool() ? "true" : "false";
      EXPECT_EQ(row[f], expected) << "CSV row " << i + 2 << ", column " << kFields[f];
    }
  }
  expectSummary(csv, 20, 16, 0, 1, 2);
}

TEST(MapOutput, CsvQuotesCommasAndQuotes) {
  // hbv-2's source_value is the coding display  Positive, "weak"  (RFC 4180 quoting).
  CommandResult csv = runAdapter(mapArgs(data("roster.csv"), {"--format", "csv", data("clean.ndjson")}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",\"Positive, \"\"weak\"\"\","), std::string::npos) << csv.out;
  bool found = false;
  for (const auto& row : parseCsv(csv.out)) {
    if (row.size() > 12 && row[2] == "Observation/hbv-2/_history/1") {
      found = true;
      EXPECT_EQ(row[12], "Positive, \"weak\"");
      EXPECT_EQ(row[10], "");  // value null
      EXPECT_EQ(row[13], "");  // source_unit null
      EXPECT_EQ(row[17], "indeterminate");
    }
  }
  EXPECT_TRUE(found);
}

TEST(MapOutput, NdjsonOnStandardInput) {
  const std::string text = readFile(data("clean.ndjson"));
  CommandResult file = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  CommandResult piped = runAdapter(mapArgs(data("roster.csv"), {"-"}), text);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, file.out);
  expectSummary(piped, 20, 16, 0, 1, 2);
}

TEST(MapOutput, PrettyPrintedBundleOnStandardInput) {
  CommandResult piped = runAdapter(mapArgs(data("roster.csv"), {"-"}), readFile(data("bundle-history.json")));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  CommandResult file = runAdapter(mapArgs(data("roster.csv"), {data("bundle-history.json")}));
  EXPECT_EQ(piped.out, file.out);
  EXPECT_EQ(observations(parseNdjson(piped.out)),
            (std::vector<std::string>{"Observation/hist-1/_history/2", "Observation/del-1/_history/1"}));
}

TEST(MapOutput, StandardInputTogetherWithFiles) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-searchset.json"), "-", data("single-observation.json")}),
                               readFile(data("bundle-collection.json")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)),
            // ss-1 and single-1 share 2026-02-07: "Observation/single-1" < "Observation/ss-1/...".
            (std::vector<std::string>{"Observation/col-1/_history/1", "Observation/single-1", "Observation/ss-1/_history/1"}));
}

TEST(MapOutput, OutputFileGetsTheRecordsAndStandardOutputStaysEmpty) {
  TempDir tmp;
  const std::string out = tmp.file("records.ndjson");
  CommandResult plain = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--output", out, data("clean.ndjson")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(readFile(out), plain.out);
  expectSummary(r, 20, 16, 0, 1, 2);

  const std::string csvOut = tmp.file("records.csv");
  CommandResult csv = runAdapter(mapArgs(data("roster.csv"), {"--format", "csv", "--output", csvOut, data("clean.ndjson")}));
  CommandResult csvPlain = runAdapter(mapArgs(data("roster.csv"), {"--format", "csv", data("clean.ndjson")}));
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "");
  EXPECT_EQ(readFile(csvOut), csvPlain.out);
}

TEST(MapOutput, MultipleInputsAreMergedSortedAndVersionResolvedAcrossFiles) {
  // Version 2 in the first file, version 1 in the second: the latest wins whatever the order.
  TempDir tmp;
  std::string text = observationLine("mv-1", "1975-2", R"({"reference": "Patient/p1"})", "2026-02-07", umol("12"), "amended");
  text.replace(text.find("\"versionId\": \"1\""), 16, "\"versionId\": \"2\"");
  const std::string v2 = tmp.write("v2.ndjson", text);
  const std::string v1 = tmp.write(
      "v1.ndjson",
      observationLine("mv-1", "1975-2", R"({"reference": "Patient/p1"})", "2026-02-07", umol("30")) +
          observationLine("mv-0", "1751-7", R"({"reference": "Patient/p2"})", "2026-01-12", R"({"value": 41, "unit": "g/L"})"));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {v2, data("bundle-transaction.json"), v1}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  expectContractFields(records);
  EXPECT_EQ(observations(records), (std::vector<std::string>{"Observation/eie-1/_history/2", "Observation/mv-1/_history/2",
                                                             "Observation/tx-1/_history/1", "Observation/mv-0/_history/1"}));
  const JsonRecord* mv1 = findRecord(records, "Observation/mv-1/_history/2");
  ASSERT_NE(mv1, nullptr);
  EXPECT_EQ((*mv1)["value"].GetDouble(), 12);
  EXPECT_EQ(mv1->str("status"), "amended");
  EXPECT_EQ(mv1->str("flag"), "normal");
  expectSummary(r, 6, 4, 0, 0, 0);
}

// Bundles of every type the contract names, and a single resource.
TEST(MapBundles, Searchset) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-searchset.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 21 umol/L on 2026-02-07 (day 29, W4): high, 21/20.5 = 1.02 ULN: grade 1.
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/ss-1/_history/1", "status": "final", "effective": "2026-02-07", "study_day": 29, "visit": "W4", "selected": true, "baseline": false, "comparator": null, "value": 21, "unit": "umol/L", "source_value": "21", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "high", "ctcae_grade": 1, "reason": null})",
      r.out);
  expectSummary(r, 2, 1, 0, 0, 1);  // the included Patient is read and ignored
}

TEST(MapBundles, CollectionWithACancelledResult) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-collection.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // can-1 version 2 is cancelled: not output, and its version 1 is hidden too.
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/col-1/_history/1", "status": "final", "effective": "2026-01-09", "study_day": -1, "visit": "BASELINE", "selected": true, "baseline": true, "comparator": null, "value": 16, "unit": "umol/L", "source_value": "16", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "normal", "ctcae_grade": 0, "reason": null})",
      r.out);
  expectSummary(r, 3, 1, 0, 0, 0);
}

TEST(MapBundles, TransactionWithAnEnteredInErrorVersion) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-transaction.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // eie-1: version 2 entered-in-error: retracted, the values of version 1 kept, flag and grade
  // null, not selected. tx-1: 40/20.5 = 1.95 ULN: grade 2; 2026-04-04 is day 85: W12.
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/eie-1/_history/2", "status": "retracted", "effective": "2026-02-06", "study_day": 28, "visit": "W4", "selected": false, "baseline": false, "comparator": null, "value": 16, "unit": "umol/L", "source_value": "16", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": null, "ctcae_grade": null}
{"subject_id": "S01", "analyte": "BILI", "observation": "Observation/tx-1/_history/1", "status": "final", "effective": "2026-04-04", "study_day": 85, "visit": "W12", "selected": true, "baseline": false, "comparator": null, "value": 40, "unit": "umol/L", "source_value": "40", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "high", "ctcae_grade": 2, "reason": null})",
      r.out);
  expectSummary(r, 3, 2, 0, 0, 0);
}

TEST(MapBundles, HistoryWithADeleteEntry) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-history.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // del-1: a DELETE (lastModified 2026-03-02) newer than its version 1 (2026-03-01): retracted,
  // values kept. hist-1: version 2 (amended, 19) replaces version 1 (25): day -1, the baseline.
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/hist-1/_history/2", "status": "amended", "effective": "2026-01-09", "study_day": -1, "visit": "BASELINE", "selected": true, "baseline": true, "comparator": null, "value": 19, "unit": "umol/L", "source_value": "19", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "normal", "ctcae_grade": 0, "reason": null}
{"subject_id": "S01", "analyte": "BILI", "observation": "Observation/del-1/_history/1", "status": "retracted", "effective": "2026-02-07", "study_day": 29, "visit": "W4", "selected": false, "baseline": false, "comparator": null, "value": 15, "unit": "umol/L", "source_value": "15", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": null, "ctcae_grade": null})",
      r.out);
  expectSummary(r, 3, 2, 0, 0, 0);
}

TEST(MapBundles, BatchResponseWithAFailedEntry) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("bundle-batch-response.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 2026-06-27 is day 169: W24 (target day, the second dose).
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/br-1/_history/1", "status": "final", "effective": "2026-06-27", "study_day": 169, "visit": "W24", "selected": true, "baseline": false, "comparator": null, "value": 9, "unit": "umol/L", "source_value": "9", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "normal", "ctcae_grade": 0, "reason": null})",
      r.out);
  expectSummary(r, 1, 1, 0, 0, 0);
}

TEST(MapBundles, SingleResourceWithoutVersion) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {data("single-observation.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // No meta.versionId: the reference has no _history part.
  expectRecords(
      R"({"subject_id": "S01", "analyte": "BILI", "observation": "Observation/single-1", "status": "final", "effective": "2026-02-07", "study_day": 29, "visit": "W4", "selected": true, "baseline": false, "comparator": null, "value": 22, "unit": "umol/L", "source_value": "22", "source_unit": "umol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "high", "ctcae_grade": 1, "reason": null})",
      r.out);
  expectSummary(r, 1, 1, 0, 0, 0);
}

// Subjects: absolute references and --base, identifiers, patients off the roster.
class MapSubjects : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = tmp_.write(
        "abs.ndjson",
        observationLine("abs-1", "1975-2", R"({"reference": "https://host/fhir/Patient/p1"})", "2026-02-07", umol("10")) +
            observationLine("rel-1", "1975-2", R"({"reference": "Patient/p2"})", "2026-02-09", umol("11")));
  }
  TempDir tmp_;
  std::string input_;
};

TEST_F(MapSubjects, AbsoluteReferenceMatchesWithoutBase) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {input_}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  EXPECT_EQ(observations(records), (std::vector<std::string>{"Observation/abs-1/_history/1", "Observation/rel-1/_history/1"}));
  EXPECT_EQ(records.at(0).str("subject_id"), "S01");
  expectSummary(r, 2, 2, 0, 0, 0);
}

TEST_F(MapSubjects, AbsoluteReferenceMatchesUnderItsBase) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--base", "https://host/fhir", input_}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)),
            (std::vector<std::string>{"Observation/abs-1/_history/1", "Observation/rel-1/_history/1"}));
  expectSummary(r, 2, 2, 0, 0, 0);
}

TEST_F(MapSubjects, AbsoluteReferenceOfAnotherServerIsSkipped) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--base", "https://other/fhir", input_}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The relative reference still matches; the other server's patient is not on the roster.
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/rel-1/_history/1"}));
  expectSummary(r, 2, 1, 0, 1, 0);
}

TEST_F(MapSubjects, BaseIsAPathPrefixNotAStringPrefix) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"--base", "https://host/fh", input_}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(observations(parseNdjson(r.out)), (std::vector<std::string>{"Observation/rel-1/_history/1"}));
  expectSummary(r, 2, 1, 0, 1, 0);
}

TEST_F(MapSubjects, SubjectByIdentifier) {
  const std::string in = tmp_.write(
      "ident.ndjson",
      observationLine("id-1", "2465-3", R"({"identifier": {"system": "http://hospital.example/mrn", "value": "MRN-0003"}})",
                      "2026-02-01", R"({"value": 12, "unit": "g/L"})") +
          // Same value, another system: not this subject.
          observationLine("id-2", "2465-3", R"({"identifier": {"system": "http://other.example/mrn", "value": "MRN-0003"}})",
                          "2026-02-01", R"({"value": 12, "unit": "g/L"})") +
          observationLine("id-3", "2465-3", R"({"identifier": {"system": "http://hospital.example/mrn", "value": "MRN-0004"}})",
                          "2026-02-01", R"({"value": 12, "unit": "g/L"})"));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  ASSERT_EQ(observations(records), (std::vector<std::string>{"Observation/id-1/_history/1"}));
  EXPECT_EQ(records[0].str("subject_id"), "S03");
  EXPECT_EQ(records[0].str("flag"), "normal");  // 7.0 <= 12 <= 16.0
  EXPECT_TRUE(records[0]["study_day"].IsNull());
  EXPECT_EQ(records[0].str("visit"), "UNSCHEDULED");
  expectSummary(r, 3, 1, 0, 2, 0);
}

TEST_F(MapSubjects, NonRosterPatientsAreSkippedAndOtherResourcesIgnored) {
  const std::string in = tmp_.write(
      "mixed.ndjson",
      observationLine("nr-1", "1975-2", R"({"reference": "Patient/p77"})", "2026-02-07", umol("10")) +
          observationLine("nr-2", "1751-7", R"({"reference": "https://host/fhir/Patient/p78"})", "2026-02-07",
                          R"({"value": 41, "unit": "g/L"})") +
          observationLine("glu", "2345-7", R"({"reference": "Patient/p1"})", "2026-02-07",
                          R"({"value": 5.1, "unit": "mmol/L"})") +
          R"({"resourceType": "Patient", "id": "p1"})"
          "\n"
          R"({"resourceType": "DiagnosticReport", "id": "dr-1", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]}, "subject": {"reference": "Patient/p1"}})"
          "\n"
          R"({"resourceType": "Observation", "id": "vital", "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}, "subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": 72}})"
          "\n"
          R"({"resourceType": "Observation", "id": "nocode", "status": "final", "subject": {"reference": "Patient/p1"}})"
          "\n");
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {in}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  expectSummary(r, 7, 0, 0, 2, 5);
  // Patients off the roster are counted, never logged with identifiers.
  EXPECT_EQ(r.err.find("p77"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("p78"), std::string::npos) << r.err;
}

TEST(MapOutput, CrlfLinesAndAByteOrderMarkReadTheSame) {
  std::string text = readFile(data("clean.ndjson"));
  std::string crlf = "\xEF\xBB\xBF";
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CommandResult plain = runAdapter(mapArgs(data("roster.csv"), {data("clean.ndjson")}));
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), crlf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, plain.out);
}

TEST(MapOutput, CollectionTimeFallsBackFromEffectiveDateTimeToPeriodInstantIssued) {
  // docs/trial-rules.md "Time": effectiveDateTime, else effectivePeriod.start, else effectiveInstant,
  // else issued; converted to Asia/Shanghai (UTC+8) before the date is taken.
  const std::string head =
      R"({"resourceType": "Observation", "meta": {"versionId": "1"}, "status": "final", "code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}]}, "subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": 10, "unit": "umol/L"}, )";
  const std::string text =
      head +
      R"("id": "t-period", "effectivePeriod": {"start": "2026-01-09T16:30:00Z", "end": "2026-01-09T17:00:00Z"}, "issued": "2026-03-01T00:00:00Z"})"
      "\n" +
      head +
      R"("id": "t-instant", "effectiveInstant": "2026-02-06T23:59:59-01:00", "issued": "2026-03-01T00:00:00Z"})"
      "\n" +
      head +
      R"("id": "t-issued", "issued": "2026-04-04T15:59:59Z"})"
      "\n" +
      head +
      R"("id": "t-both", "effectiveDateTime": "2026-06-27T00:00:00+08:00", "issued": "2026-07-01T00:00:00Z"})"
      "\n";
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = parseNdjson(r.out);
  ASSERT_EQ(records.size(), 4u) << r.out;
  // 2026-01-09T16:30Z = 2026-01-10 00:30 local: day 1, the baseline.
  EXPECT_EQ(records[0].str("observation"), "Observation/t-period/_history/1");
  EXPECT_EQ(records[0].str("effective"), "2026-01-10");
  EXPECT_EQ(records[0]["study_day"].GetInt(), 1);
  EXPECT_EQ(records[0].str("visit"), "BASELINE");
  EXPECT_TRUE(records[0]["baseline"].GetBool());
  // 2026-02-06T23:59:59-01:00 = 2026-02-07T00:59:59Z = 2026-02-07 08:59:59 local: day 29.
  EXPECT_EQ(records[1].str("observation"), "Observation/t-instant/_history/1");
  EXPECT_EQ(records[1].str("effective"), "2026-02-07");
  EXPECT_EQ(records[1]["study_day"].GetInt(), 29);
  // 2026-04-04T15:59:59Z = 2026-04-04 23:59:59 local: day 85, W12.
  EXPECT_EQ(records[2].str("observation"), "Observation/t-issued/_history/1");
  EXPECT_EQ(records[2].str("effective"), "2026-04-04");
  EXPECT_EQ(records[2].str("visit"), "W12");
  // effectiveDateTime wins over issued.
  EXPECT_EQ(records[3].str("observation"), "Observation/t-both/_history/1");
  EXPECT_EQ(records[3].str("effective"), "2026-06-27");
  EXPECT_EQ(records[3]["study_day"].GetInt(), 169);
}

TEST(MapOutput, AnyMatchingCodingMatchesTheAnalyte) {
  const std::string text =
      R"({"resourceType": "Observation", "id": "multi", "meta": {"versionId": "3"}, "status": "corrected", "code": {"coding": [{"system": "http://hospital.example/lab", "code": "TBIL"}, {"system": "http://loinc.org", "code": "42719-5"}]}, "subject": {"reference": "Patient/p2"}, "effectiveDateTime": "2026-01-12", "valueQuantity": {"value": 0.02, "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}})"
      "\n";
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), text);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 0.02 mmol/L x 1000 = 20 umol/L: normal (<= 20.5), grade 0; day 1, the corrected baseline.
  expectRecords(
      R"({"subject_id": "S02", "analyte": "BILI", "observation": "Observation/multi/_history/3", "status": "corrected", "effective": "2026-01-12", "study_day": 1, "visit": "BASELINE", "selected": true, "baseline": true, "comparator": null, "value": 20, "unit": "umol/L", "source_value": "0.02", "source_unit": "mmol/L", "ref_low": 3.4, "ref_high": 20.5, "ref_source": "protocol", "flag": "normal", "ctcae_grade": 0, "reason": null})",
      r.out);
}

TEST(MapOutput, EmptyInputWritesNothingAndExitsZero) {
  CommandResult r = runAdapter(mapArgs(data("roster.csv"), {"-"}), std::string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  expectSummary(r, 0, 0, 0, 0, 0);
  CommandResult csv = runAdapter(mapArgs(data("roster.csv"), {"--format", "csv", "-"}), std::string());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "subject_id,analyte,observation,status,effective,study_day,visit,selected,"
            "baseline,comparator,value,unit,source_value,source_unit,ref_low,ref_high,"
            "ref_source,flag,ctcae_grade,reason,observation_id,version");  // the contract's, then the CSV's own
}

}  // namespace
}  // namespace fa::cli_test

// `fhir-adapter report` of the built binary (docs/contract.md "fhir-adapter report") on records
// in the `map` NDJSON format over the repository's default fhir-mappings/, and on a store read
// with --config. The cohort (day 1 = 2026-01-01 for both subjects):
//   S01 BASELINE day 1: BILI 68.4 high, ALB 30 low, HBVDNA 2000 high
//   S01 W72 day 505:    BILI 15 normal (grade 0), ALB 36 low (grade 1), HBVDNA not detected
//   S02 BASELINE day -3: BILI 10 normal, ALB 45 normal, HBVDNA 200000 high
//   S02 W72 day 505:    BILI 30 high (grade 1), ALB 38 low (grade 1), HBVDNA 20 high (= LLOQ)
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "cli/run_command.h"
#include "engine/record_writer.h"
#include "report_cohort.h"
#include "store/observation_store.h"
#include "support/default_config.h"

namespace fa::test {
namespace {

namespace fs = std::filesystem;
using core::Flag;

engine::OutcomeRecords cliRecords() {
  const mapping::TrialConfig& t = *defaultConfig();
  engine::OutcomeRecords out;
  auto add = [&](Rec r, const char* low, const char* high) {
    engine::OutcomeRecord rec = r.range(high).done();
    if (low) rec.range.low = dec(low);
    rec.ref_source = core::RangeSource::Protocol;
    rec.source_unit = rec.unit;
    out.push_back(rec);
  };
  add(Rec(t, "S01", "ALB", "a1").day(1, "BASELINE").selected().value("30", Flag::Low).grade(2), "40", "55");
  add(Rec(t, "S01", "ALB", "a2").day(505, "W72").selected().value("36", Flag::Low).grade(1), "40", "55");
  add(Rec(t, "S01", "BILI", "b1").day(1, "BASELINE").selected().value("68.4", Flag::High).grade(3), "3.4", "20.5");
  add(Rec(t, "S01", "BILI", "b2").day(505, "W72").selected().value("15", Flag::Normal).grade(0), "3.4", "20.5");
  add(Rec(t, "S01", "HBVDNA", "h1").day(1, "BASELINE").selected().value("2000", Flag::High), nullptr, "20");
  add(Rec(t, "S01", "HBVDNA", "h2").day(505, "W72").selected().noValue(Flag::Normal), nullptr, "20");
  add(Rec(t, "S02", "ALB", "a3").day(-3, "BASELINE").selected().value("45", Flag::Normal).grade(0), "40", "55");
  add(Rec(t, "S02", "ALB", "a4").day(505, "W72").selected().value("38", Flag::Low).grade(1), "40", "55");
  add(Rec(t, "S02", "BILI", "b3").day(-3, "BASELINE").selected().value("10", Flag::Normal).grade(0), "3.4", "20.5");
  add(Rec(t, "S02", "BILI", "b4").day(505, "W72").selected().value("30", Flag::High).grade(1), "3.4", "20.5");
  add(Rec(t, "S02", "HBVDNA", "h3").day(-3, "BASELINE").selected().value("200000", Flag::High), nullptr, "20");
  add(Rec(t, "S02", "HBVDNA", "h4").day(505, "W72").selected().value("20", Flag::High), nullptr, "20");
  for (auto& r : out)
    if (!r.value) r.source_unit.reset();
  return out;
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("fa-report-cli-" + std::to_string(rd()));
    fs::create_directories(dir);
    std::string text;
    for (const auto& r : cliRecords())
      engine::appendNdjson(text, r);
    std::ofstream(dir / "records.ndjson") << text;
  }
  void TearDown() override { fs::remove_all(dir); }
  cli_test::CommandResult report(std::vector<std::string> extra) {
    std::vector<std::string> args = {"report",  "--mappings", FA_SOURCE_DIR "/fhir-mappings", (dir / "records.ndjson").string(),
                                     "--as-of", "2027-05-25"};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli_test::runCommand(FA_BINARY, args);
  }
  const rapidjson::Value& row(const rapidjson::Value& array, const char* key, const char* value, const char* visit = nullptr) {
    for (const auto& r : array.GetArray())
      if (std::string(r[key].GetString()) == value && (!visit || std::string(r["visit"].GetString()) == visit)) return r;
    throw std::runtime_error(std::string("no row ") + value);
  }
  fs::path dir;
};

TEST_F(ReportCli, JsonWithTheContractKeys) {
  auto r = report({"--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out.substr(0, 500);
  EXPECT_STREQ(d["trial"].GetString(), "NCT05106972");
  EXPECT_EQ(d["outcomes"].Size(), 5u * 8u);  // every outcome of outcomes.json x every visit
  // bilirubin BASELINE: S01 high, S02 normal: 1 of 2 -> 50.0; at W4 nobody: percent null
  const auto& bili = row(d["outcomes"], "outcome", "bilirubin_abnormal", "BASELINE");
  EXPECT_EQ(bili["assessed"].GetInt(), 2);
  EXPECT_EQ(bili["abnormal"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(bili["percent"].GetDouble(), 50.0);
  EXPECT_TRUE(row(d["outcomes"], "outcome", "bilirubin_abnormal", "W4")["percent"].IsNull());
  // shift BASELINE -> W72: S01 abnormal -> normal, S02 normal -> abnormal
  const auto& shift = row(d["outcome_shifts"], "outcome", "bilirubin_abnormal");
  EXPECT_STREQ(shift["to_visit"].GetString(), "W72");
  EXPECT_EQ(shift["abnormal_to_normal"].GetInt(), 1);
  EXPECT_EQ(shift["normal_to_abnormal"].GetInt(), 1);
  EXPECT_EQ(row(d["analyte_shifts"], "analyte", "BILI")["counts"]["high"]["normal"].GetInt(), 1);
  // HBV DNA W72: S01 not detected, log10 20 - log10 2000 = -2; S02 log10 20 - log10 200000 = -4
  const auto& hbv = row(d["hbv_dna"], "visit", "W72");
  EXPECT_EQ(hbv["subjects"].GetInt(), 2);
  EXPECT_EQ(hbv["below_lloq"].GetInt(), 1);
  EXPECT_EQ(hbv["change_subjects"].GetInt(), 2);
  EXPECT_DOUBLE_EQ(hbv["median_log10_change"].GetDouble(), -3.0);
  EXPECT_DOUBLE_EQ(hbv["q1"].GetDouble(), -3.5);
  EXPECT_DOUBLE_EQ(hbv["q3"].GetDouble(), -2.5);
  // worst BILI grade after day 1: S01 0 (day 505), S02 1
  const auto& grades = row(d["worst_grades"], "analyte", "BILI");
  EXPECT_EQ(grades["subjects"].GetInt(), 2);
  EXPECT_EQ(grades["grades"][0].GetInt(), 1);
  EXPECT_EQ(grades["grades"][1].GetInt(), 1);
  EXPECT_EQ(d["scores"].Size(), 2u * 8u);  // every subject x visit
  const auto& score = row(d["scores"], "subject_id", "S01", "BASELINE");
  EXPECT_TRUE(score["meld"].IsNull());  // no creatinine and no INR selected
  bool namesInr = false;
  for (const auto& m : score["missing"].GetArray())
    namesInr = namesInr || std::string(m.GetString()) == "INR";
  EXPECT_TRUE(namesInr);
}

TEST_F(ReportCli, TextFitsOneHundredColumnsAndExtraShifts) {
  auto r = report({"--shift", "BASELINE:W4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("fhir-adapter report: trial NCT05106972\n", 0), 0u);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    EXPECT_LE(line.size(), 100u) << line;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("\nbilirubin_abnormal +BASELINE +W4 +0 "))) << r.out;  // nobody has W4 records
  // --shift before RECORDS takes one value: the file is still read as the records
  auto json = cli_test::runCommand(FA_BINARY, {"report", "--mappings", FA_SOURCE_DIR "/fhir-mappings", "--shift", "BASELINE:W4",
                                               "--shift", "W4:W72", (dir / "records.ndjson").string(), "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  rapidjson::Document d;
  d.Parse(json.out.c_str());
  EXPECT_EQ(d["outcome_shifts"].Size(), 15u);  // 5 outcomes x (BASELINE:W72, BASELINE:W4, W4:W72)
}

TEST_F(ReportCli, CsvOneFilePerTable) {
  auto r = report({"--format", "csv", "--output-dir", (dir / "tables").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  for (const char* name : {"outcomes", "outcome_shifts", "analyte_shifts", "hbv_dna", "worst_grades", "scores", "completeness"})
    EXPECT_TRUE(fs::exists(dir / "tables" / (std::string(name) + ".csv"))) << name;
  std::ifstream in(dir / "tables" / "outcomes.csv");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "outcome,visit,assessed,abnormal,percent,abnormal_with_overrides,overrides_applied,components");
  EXPECT_EQ(first, "bilirubin_abnormal,BASELINE,2,1,50.0,1,0,BILI:1");
  auto sections = report({"--format", "csv"});
  EXPECT_EQ(sections.out.rfind("# outcomes\noutcome,visit,", 0), 0u);
}

TEST_F(ReportCli, UsageErrorsExitTwo) {
  EXPECT_EQ(report({"--shift", "BASELINE"}).exit_code, 2);
  auto unknown = report({"--shift", "BASELINE:W96"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("\"W96\" is not a visit"), std::string::npos) << unknown.err;
  EXPECT_EQ(report({"--as-of", "25/05/2027"}).exit_code, 2);
  EXPECT_EQ(report({"--format", "pdf"}).exit_code, 2);
}

TEST_F(ReportCli, ALineThatIsNoRecordExitsOneWithTheTablesPrinted) {
  std::ofstream(dir / "records.ndjson", std::ios::app) << "{not json\n";
  auto r = report({"--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 13"), std::string::npos) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["record_counts"]["input_problems"].GetInt(), 1);
}

// A store with the records of cliRecords() (and `infusions`), its roster and configuration.
void writeStoreSetup(const fs::path& dir, const std::vector<engine::AlbuminInfusion>& infusions = {}) {
  {
    store::ObservationStore s((dir / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    auto tx = s.transaction();
    s.replaceRecords(cliRecords(), defaultConfig()->content_hash, "2027-05-24T00:00:00.000Z");
    for (const engine::AlbuminInfusion& i : infusions)
      s.putAlbuminInfusion(i, std::nullopt, "2027-05-24T00:00:00.000Z");
    tx.commit();
  }
  // S03 is on the roster without any record yet: it is listed, and its closed windows are to-dos.
  std::ofstream(dir / "subjects.csv") << "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-01,\n"
                                         "S02,Patient/p2,2026-01-01,\nS03,Patient/p3,2027-04-01,\n";
  std::ofstream(dir / "adapter.toml")
      << "[fhir]\nbase_url = \"http://127.0.0.1:9/fhir\"\nauth = \"none\"\n\n[trial]\nmappings = \"" FA_SOURCE_DIR
         "/fhir-mappings\"\nsubjects = \"subjects.csv\"\n\n[store]\npath = \"adapter.db\"\n\n"
         "[audit]\ndir = \"audit\"\n\n[http]\nlisten = \"127.0.0.1:0\"\n";
}

TEST_F(ReportCli, ConfigReadsTheStoreAndTheRoster) {
  writeStoreSetup(dir);
  auto r = cli_test::runCommand(
      FA_BINARY, {"report", "--config", (dir / "adapter.toml").string(), "--format", "json", "--as-of", "2027-05-25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["record_counts"]["records"].GetInt(), 12);
  EXPECT_EQ(d["record_counts"]["subjects"].GetInt(), 3);
  EXPECT_EQ(std::string(d["origin"].GetString()).rfind("store ", 0), 0u);
  // S03: day 1 = 2027-04-01, so BASELINE (closed 2027-04-01) lacks every outcome analyte
  const auto& first = row(d["completeness"]["items"], "subject_id", "S03", "BASELINE");
  EXPECT_STREQ(first["state"].GetString(), "closed");
  EXPECT_EQ(first["missing"].Size(), 11u);
}

TEST_F(ReportCli, ConfigMarksAlbuminAfterAStoredInfusion) {
  // S02's BASELINE ALB is on day -3 = 2025-12-29: 9 days after an infusion on 2025-12-20, within
  // trial.json's 21, and before dose 1 (a screening finding). S01's infusion on 2026-01-02 comes
  // after its only pre-dose ALB (2026-01-01) and 503 days before its W72 one: nothing marked.
  writeStoreSetup(dir, {{"S02", "MedicationAdministration/m1", "2025-12-20", "administration"},
                        {"S01", "MedicationRequest/r1", "2026-01-02", "request"}});
  auto r = cli_test::runCommand(
      FA_BINARY, {"report", "--config", (dir / "adapter.toml").string(), "--format", "json", "--as-of", "2027-05-25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError());
  const auto& check = d["screening"]["albumin_infusion"];
  EXPECT_TRUE(check["run"].GetBool());
  EXPECT_EQ(check["lookback_days"].GetInt(), 21);
  EXPECT_EQ(check["infusions"].Size(), 2u);
  ASSERT_EQ(check["results"].Size(), 1u);
  const auto& marked = check["results"][0];
  EXPECT_STREQ(marked["observation"].GetString(), "Observation/a3/_history/1");
  EXPECT_EQ(marked["days_after_infusion"].GetInt(), 9);
  EXPECT_TRUE(marked["screening_finding"].GetBool());
  EXPECT_EQ(check["screening_findings"].GetInt(), 1);
  // The same in the text and HTML formats.
  auto text = cli_test::runCommand(FA_BINARY, {"report", "--config", (dir / "adapter.toml").string(), "--as-of", "2027-05-25"});
  EXPECT_TRUE(std::regex_search(text.out, std::regex(R"(\nS02 +a3 v1 +2025-12-29 +-3 +BASELINE +45 +2025-12-20 +9 +yes\n)")))
      << text.out;
  auto html = cli_test::runCommand(FA_BINARY, {"report", "--config", (dir / "adapter.toml").string(), "--format", "html",
                                               "--output-dir", (dir / "out").string(), "--as-of", "2027-05-25"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream in(dir / "out" / "report.html");
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("possibly confounded by albumin infusion (9 days after MedicationAdministration/m1)"), std::string::npos);
}

TEST_F(ReportCli, RecordsFilesCarryNoInfusionsSoTheCheckIsNotRun) {
  auto r = report({"--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_FALSE(d["screening"]["albumin_infusion"]["run"].GetBool());
  EXPECT_EQ(std::string(d["screening"]["albumin_infusion"]["note"].GetString()).rfind("not run", 0), 0u);
  auto html = report({"--format", "html"});
  EXPECT_EQ(html.exit_code, 0) << html.err;
  EXPECT_EQ(html.out.rfind("<!doctype html>", 0), 0u);
}

}  // namespace
}  // namespace fa::test

// The rendered report of the hand-worked cohort (report_cohort.h), compared byte for byte with
// tests/report/golden/report.{json,txt,csv,html}. The numbers in those files are the ones worked out
// in report_model_test.cpp; these tests pin the layout. To accept an intended layout change:
//   FA_UPDATE_GOLDEN=1 build/tests/report_tests --gtest_filter='ReportGolden.*'  (then review the diff)
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "report/csv_report.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "report_cohort.h"

namespace fa::test {
namespace {

std::string goldenPath(const std::string& name) {
  return std::string(FA_SOURCE_DIR "/tests/report/golden/") + name;
}

void expectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("FA_UPDATE_GOLDEN")) {
    std::ofstream(goldenPath(name), std::ios::binary) << actual;
    return;
  }
  std::ifstream in(goldenPath(name), std::ios::binary);
  ASSERT_TRUE(in) << goldenPath(name);
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << goldenPath(name);
}

class ReportGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    input.shifts = {{"BASELINE", "W4"}};
    std::string problem;
    auto built = report::buildReport(input, &problem);
    ASSERT_TRUE(built) << problem;
    r = *built;
  }
  mapping::TrialConfig trial = reportTrial();
  engine::OutcomeRecords records = reportRecords(trial);
  report::ReportInput input = reportInput(trial, records);
  report::Report r;
};

TEST_F(ReportGolden, Json) {
  expectGolden("report.json", report::renderJson(r));
}
TEST_F(ReportGolden, Text) {
  expectGolden("report.txt", report::renderText(r));
}
TEST_F(ReportGolden, CsvSections) {
  expectGolden("report.csv", report::renderCsvSections(r));
}

TEST_F(ReportGolden, Html) {
  // No clock in it: the report date is the input's as_of, the data cut the input's source.
  expectGolden("report.html", report::renderHtml(r, input));
}

TEST_F(ReportGolden, JsonHasTheContractKeysAndShortNumbers) {
  const std::string json = report::renderJson(r);
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError());
  for (const char* key : {"trial", "outcomes", "outcome_shifts", "analyte_shifts", "hbv_dna", "worst_grades", "scores"})
    EXPECT_TRUE(d.HasMember(key)) << key;
  EXPECT_STREQ(d["trial"].GetString(), "TEST-TRIAL");
  const auto& first = d["outcomes"][0];
  EXPECT_STREQ(first["outcome"].GetString(), "bilirubin_abnormal");
  EXPECT_EQ(first["assessed"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(first["percent"].GetDouble(), 66.7);
  EXPECT_TRUE(d["outcomes"][4]["percent"].IsNull());  // albumin W4: nobody assessed
  EXPECT_EQ(d["analyte_shifts"][0]["counts"]["high"]["normal"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(d["hbv_dna"][1]["q1"].GetDouble(), -3.5);
  EXPECT_EQ(d["worst_grades"][0]["grades"][2].GetInt(), 1);
  EXPECT_EQ(d["scores"][0]["meld"].GetInt(), 26);
  EXPECT_TRUE(d["scores"][0]["missing"].Empty());
  // No number anywhere has more than 4 decimals.
  EXPECT_FALSE(std::regex_search(json, std::regex(R"([:\[,]\s*-?\d+\.\d{5,})")));
}

TEST_F(ReportGolden, TextLinesFitOneHundredColumns) {
  std::istringstream text(report::renderText(r));
  std::string line;
  int n = 0;
  while (std::getline(text, line)) {
    ++n;
    EXPECT_LE(line.size(), report::kTextWidth) << "line " << n << ": " << line;
  }
  EXPECT_GT(n, 40);
}

}  // namespace
}  // namespace fa::test

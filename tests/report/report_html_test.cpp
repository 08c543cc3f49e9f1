// `report --format html` on the hand-worked cohort of report_cohort.h: a page that needs nothing
// outside itself, the tables with their numbers, one chart series per subject, a section per
// subject, and every text escaped. (The page in a real browser: tests/integration/test_report_html.)
#include <gtest/gtest.h>

#include <regex>

#include "report/html_chart_data.h"
#include "report/html_report.h"
#include "report_cohort.h"

namespace fa::test {
namespace {

class ReportHtml : public ::testing::Test {
 protected:
  std::string render() {
    std::string problem;
    auto built = report::buildReport(input, &problem);
    EXPECT_TRUE(built) << problem;
    return built ? report::renderHtml(*built, input) : "";
  }
  static std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      ++n;
    return n;
  }
  // The markup of the chart of one analyte.
  static std::string chart(const std::string& html, const std::string& analyte) {
    const std::size_t start = html.find("<figure class=\"chart\" data-analyte=\"" + analyte + "\"");
    if (start == std::string::npos) return "";
    return html.substr(start, html.find("</figure>", start) - start);
  }
  mapping::TrialConfig trial = reportTrial();
  engine::OutcomeRecords records = reportRecords(trial);
  report::ReportInput input = reportInput(trial, records);
};

TEST_F(ReportHtml, NeedsNothingOutsideThePage) {
  const std::string html = render();
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "<link"), 0u);
  EXPECT_EQ(count(html, " src="), 0u);
  EXPECT_EQ(count(html, "url("), 0u);
  EXPECT_EQ(count(html, "@import"), 0u);
  // The only URL is the SVG namespace (a name, never fetched), once per chart.
  EXPECT_EQ(count(html, "://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("@page { size: A4;"), std::string::npos);
}

TEST_F(ReportHtml, OneSeriesPerSubjectWithADrawnRecord) {
  const std::string html = render();
  // BILI, ALB, INR, CREA (S03's <44 at its bound) and HBVDNA: S01, S02, S03; PT and NA: S01, S02.
  // S04 has no record, so no series anywhere.
  for (const char* a : {"BILI", "ALB", "INR", "CREA", "HBVDNA"})
    EXPECT_EQ(count(chart(html, a), "<g class=\"series\""), 3u) << a;
  for (const char* a : {"PT", "NA"})
    EXPECT_EQ(count(chart(html, a), "<g class=\"series\""), 2u) << a;
  EXPECT_EQ(count(html, "data-subject=\"S04\""), 1u);  // its section only
  // HBV DNA: the LLOQ line (every record carries ref_high 20) on a log axis.
  EXPECT_NE(chart(html, "HBVDNA").find("<line class=\"lloq\""), std::string::npos);
  EXPECT_NE(chart(html, "HBVDNA").find("log10 axis"), std::string::npos);
  EXPECT_EQ(count(chart(html, "HBVDNA"), "<rect class=\"window\""), 3u);  // BASELINE, W4, W72
}

TEST_F(ReportHtml, DrawnRecords) {
  // S02's retracted bilirubin is not drawn; S01's not-detected HBV DNA is, at its LLOQ, hollow.
  const engine::OutcomeRecord* retracted = nullptr;
  const engine::OutcomeRecord* notDetected = nullptr;
  for (const engine::OutcomeRecord& r : records) {
    if (r.resource_id == "s02-bili-r") retracted = &r;
    if (r.resource_id == "s01-hbv-w72") notDetected = &r;
  }
  ASSERT_TRUE(retracted && notDetected);
  EXPECT_FALSE(report::chartPoint(*retracted, false));
  const auto p = report::chartPoint(*notDetected, true);
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->value, 20);
  EXPECT_DOUBLE_EQ(p->week, 505 / 7.0);
  EXPECT_TRUE(p->bound);
  EXPECT_FALSE(report::chartPoint(*notDetected, false));  // without the LLOQ rule there is no number
}

TEST_F(ReportHtml, TablesHoldTheNumbersAndSubjectsTheirTimelines) {
  const std::string html = render();
  // Bilirubin BASELINE: 3 assessed, 2 abnormal, 66.7 % (report_model_test.cpp shows the working).
  EXPECT_NE(html.find("<tr><td>bilirubin_abnormal</td><td>BASELINE</td><td class=\"num\">3</td><td class=\"num\">2</td>"
                      "<td class=\"num\">66.7</td>"),
            std::string::npos);
  for (const char* t : {"outcomes", "outcome_shifts", "analyte_shifts", "hbv_dna", "worst_grades", "pt_prolongation",
                        "albumin_infusion", "completeness", "reviews"})
    EXPECT_NE(html.find(std::string("data-table=\"") + t + "\""), std::string::npos) << t;
  EXPECT_EQ(count(html, "<section class=\"subject\""), 4u);
  // The header: 36 records (33 selected, 1 retracted, 1 preliminary), 4 subjects on the roster.
  EXPECT_NE(html.find("36 records (33 selected, 1 retracted, 1 not usable), 4 subjects"), std::string::npos);
  // S02's W72 bilirubin: 30 high grade 1, with the applied override beside it.
  EXPECT_NE(html.find("30 <span class=\"flag\">high</span> <span class=\"grade\">G1</span><br><span class=\"day\">day "
                      "505</span><br><span class=\"override\">override: normal by Dr Reviewer</span>"),
            std::string::npos);
  // S01's day-1 albumin: possibly confounded (an infusion the same day).
  EXPECT_NE(html.find("possibly confounded by albumin infusion (0 days after MedicationAdministration/ma-s01-2)"),
            std::string::npos);
}

TEST_F(ReportHtml, EveryTextIsEscaped) {
  input.reviews[1].reviewer = "<script>alert(1)</script>";
  input.reviews[1].reason = "\"quoted\" & <b>";
  const std::string html = render();
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;quoted&quot; &amp; &lt;b&gt;"), std::string::npos);
}

}  // namespace
}  // namespace fa::test

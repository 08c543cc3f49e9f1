// The report's small rules on their own: the MELD, MELD-Na and Child-Pugh formulas at their
// bounds, the interpolated quantile, percent rounding, number formatting, CSV quoting, text
// wrapping and the screening settings of trial.json.
#include <gtest/gtest.h>

#include "report/csv_report.h"
#include "report/hbv_dna_change.h"
#include "report/liver_scores.h"
#include "report/number_format.h"
#include "report/outcome_counts.h"
#include "report/text_report.h"
#include "report_cohort.h"

namespace fa::test {
namespace {

TEST(LiverScoreFormulas, MeldBoundsAndCaps) {
  int unbounded = 0;
  // Cr 884 umol/L = 10 mg/dL, capped at 4: 0.957 ln 4 = 1.32668; Bili 855 = 50 mg/dL:
  // 0.378 ln 50 = 1.47874; INR 5: 1.120 ln 5 = 1.80257; + 0.643 = 5.25099 -> 5.3 -> 53 -> 40
  EXPECT_EQ(report::meldScore(dec("884"), dec("855"), dec("5"), &unbounded), 40);
  EXPECT_EQ(unbounded, 53);
  // MELD-Na from the unbounded 53, Na 120 bounded to 125: 53 + 1.32 x 12 - 0.033 x 53 x 12 = 47.852 -> 48 -> 40
  EXPECT_EQ(report::meldNaScore(53, dec("120")), 40);
  // Below 1.0 everything is floored: MELD(i) = 0.643 -> 6.4 -> 6 (the lower bound anyway)
  EXPECT_EQ(report::meldScore(dec("50"), dec("5"), dec("0.9"), &unbounded), 6);
  // Cr 1.5 mg/dL (132.6): 0.957 ln 1.5 = 0.38803; Bili 2 mg/dL (34.2): 0.378 ln 2 = 0.26201;
  // INR 1.5: 1.120 ln 1.5 = 0.45412; + 0.643 = 1.74716 -> 1.7 -> 17
  EXPECT_EQ(report::meldScore(dec("132.6"), dec("34.2"), dec("1.5"), &unbounded), 17);
  // Na 140 bounded to 137: no change; Na 125: 17 + 15.84 - 0.033 x 17 x 12 = 26.108 -> 26
  EXPECT_EQ(report::meldNaScore(17, dec("140")), 17);
  EXPECT_EQ(report::meldNaScore(17, dec("125")), 26);
  // MELD of 11 is not above 11: sodium is not used
  EXPECT_EQ(report::meldNaScore(11, dec("125")), 11);
}

TEST(LiverScoreFormulas, ChildPughLabPointsAtTheCutPoints) {
  // bilirubin < 34.2: 1, 34.2-51.3: 2, > 51.3: 3; albumin > 35: 1, 28-35: 2, < 28: 3;
  // INR < 1.7: 1, 1.7-2.3: 2, > 2.3: 3
  EXPECT_EQ(report::childPughLabPoints(dec("34.1"), dec("35.1"), dec("1.69")), 3);
  EXPECT_EQ(report::childPughLabPoints(dec("34.2"), dec("35"), dec("1.7")), 6);
  EXPECT_EQ(report::childPughLabPoints(dec("51.3"), dec("28"), dec("2.3")), 6);
  EXPECT_EQ(report::childPughLabPoints(dec("51.4"), dec("27.9"), dec("2.31")), 9);
}

TEST(InterpolatedQuantile, NumpyDefault) {
  // x = 1, 2, 4, 8: q1 k+f = 0.75: 1 + 0.75 x 1 = 1.75; median 1.5: 2 + 0.5 x 2 = 3;
  // q3 2.25: 4 + 0.25 x 4 = 5 (numpy.quantile([1,2,4,8], [.25,.5,.75]) = 1.75, 3, 5)
  const std::vector<long double> x = {1, 2, 4, 8};
  EXPECT_DOUBLE_EQ(static_cast<double>(*report::interpolatedQuantile(x, 0.25L)), 1.75);
  EXPECT_DOUBLE_EQ(static_cast<double>(*report::interpolatedQuantile(x, 0.5L)), 3.0);
  EXPECT_DOUBLE_EQ(static_cast<double>(*report::interpolatedQuantile(x, 0.75L)), 5.0);
  EXPECT_DOUBLE_EQ(static_cast<double>(*report::interpolatedQuantile({7}, 0.25L)), 7.0);
  EXPECT_FALSE(report::interpolatedQuantile({}, 0.5L));
}

TEST(ReportNumbers, PercentOneDecimalHalfUp) {
  EXPECT_EQ(report::percentTenths(2, 3), 667);  // 66.666...
  EXPECT_EQ(report::percentTenths(1, 8), 125);  // 12.5 exactly
  EXPECT_EQ(report::percentTenths(1, 16), 63);  // 6.25 -> 6.3 (half up)
  EXPECT_EQ(report::percentTenths(28, 30), 933);
  EXPECT_FALSE(report::percentTenths(0, 0));
  EXPECT_EQ(report::formatTenths(1000), "100.0");
  EXPECT_EQ(report::formatTenths(5), "0.5");
}

TEST(ReportNumbers, AtMostFourDecimals) {
  EXPECT_EQ(report::formatNumber(-0.52L), "-0.52");
  EXPECT_EQ(report::formatNumber(2.0L), "2");
  EXPECT_EQ(report::formatNumber(1.0L / 3.0L), "0.3333");
  EXPECT_EQ(report::formatNumber(-0.00004L), "0");        // no "-0"
  EXPECT_EQ(report::formatNumber(-0.00005L), "-0.0001");  // half away from zero
  EXPECT_EQ(report::formatNumber(-2.5L), "-2.5");
  EXPECT_EQ(report::formatNumber(-0.5L), "-0.5");
}

TEST(ReportCsv, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(report::csvCell("plain"), "plain");
  EXPECT_EQ(report::csvCell("a, b"), "\"a, b\"");
  EXPECT_EQ(report::csvCell("say \"x\""), "\"say \"\"x\"\"\"");
}

TEST(ReportText, WrapsWithinTheWidth) {
  const std::string text = report::wrapText("aaaa bbbb cccc dddd", 10, 2);
  EXPECT_EQ(text, "aaaa bbbb\n  cccc\n  dddd\n");
}

TEST(ScreeningSettings, ReadFromTrialJson) {
  std::string problem;
  auto s = report::parseScreeningSettings(
      R"({"trial": {"id": "X"}, "screening_checks": {"pt_prolongation": {"analyte": "PT", "control_seconds": 12.0,
          "max_prolongation_seconds": 3}, "albumin_infusion_lookback_days": 21}})",
      &problem);
  ASSERT_TRUE(s) << problem;
  EXPECT_EQ(s->pt_prolongation->control_seconds.toString(), "12");
  EXPECT_EQ(s->pt_prolongation->max_prolongation_seconds.toString(), "3");
  EXPECT_EQ(s->albumin_infusion_lookback_days, 21);
  auto none = report::parseScreeningSettings(R"({"trial": {"id": "X"}})", &problem);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->pt_prolongation);
  EXPECT_FALSE(report::parseScreeningSettings("{", &problem));
  EXPECT_FALSE(report::parseScreeningSettings(R"({"screening_checks": {"pt_prolongation": {"analyte": "PT"}}})", &problem));
  EXPECT_NE(problem.find("control_seconds"), std::string::npos);
}

TEST(HbvCounting, BelowTheLloqCountsAsTheLloq) {
  const mapping::TrialConfig trial = reportTrial();
  engine::OutcomeRecord nd = Rec(trial, "S1", "HBVDNA", "x").noValue(core::Flag::Normal).range("15").done();
  bool censored = false;
  EXPECT_NEAR(static_cast<double>(*report::countedLog10(nd, &censored)), 1.176091259, 1e-9);  // log10 15
  EXPECT_TRUE(censored);
  engine::OutcomeRecord noLloq = Rec(trial, "S1", "HBVDNA", "y").noValue(core::Flag::Normal).done();
  EXPECT_FALSE(report::countedLog10(noLloq, &censored));  // no number and no LLOQ: not counted
}

}  // namespace
}  // namespace fa::test

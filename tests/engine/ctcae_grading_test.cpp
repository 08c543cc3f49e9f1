// CTCAE v5.0 grades as the default ctcae.json encodes them (docs/trial-rules.md), band edge by band
// edge, with ULN/LLN from the protocol defaults; then the baseline-relative rules in whole runs.
#include <gtest/gtest.h>

#include "core/ctcae.h"
#include "engine/session_fixture.h"

namespace fa::test {
namespace {

core::Decimal D(const char* t) {
  return *core::Decimal::parse(t);
}

std::optional<int> gradeOf(const char* analyte, const char* value, std::optional<core::Decimal> uln,
                           std::optional<core::Decimal> lln, std::optional<core::Decimal> baseline = std::nullopt) {
  const auto& criterion = defaultAnalyte(analyte).ctcae;
  EXPECT_TRUE(criterion.has_value()) << analyte;
  if (!criterion) return std::nullopt;
  const core::GradingScale& scale = baseline ? criterion->baseline_scale : criterion->scale;
  return core::gradeInterval(core::intervalFor(D(value), core::Comparator::None), scale, {uln, lln, baseline});
}

struct Edge {
  const char* name;
  const char* analyte;
  const char* value;
  int grade;
};
void PrintTo(const Edge& e, std::ostream* os) {
  *os << e.name;
}

class DefaultBandEdge : public ::testing::TestWithParam<Edge> {};

TEST_P(DefaultBandEdge, AgainstProtocolRange) {
  const Edge& e = GetParam();
  const auto& range = defaultAnalyte(e.analyte).protocol_range;
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(gradeOf(e.analyte, e.value, range->high, range->low), e.grade) << e.analyte << " " << e.value;
}

INSTANTIATE_TEST_SUITE_P(Protocol, DefaultBandEdge,
                         ::testing::Values(
                             // BILI, ULN 20.5: 1.5x = 30.75, 3x = 61.5, 10x = 205; "a-b" = a < x <= b
                             Edge{"BILI_low_is_0", "BILI", "2", 0}, Edge{"BILI_at_ULN_0", "BILI", "20.5", 0},
                             Edge{"BILI_above_ULN_1", "BILI", "20.5001", 1}, Edge{"BILI_1_5x_1", "BILI", "30.75", 1},
                             Edge{"BILI_above_1_5x_2", "BILI", "30.7501", 2}, Edge{"BILI_3x_2", "BILI", "61.5", 2},
                             Edge{"BILI_above_3x_3", "BILI", "61.5001", 3}, Edge{"BILI_10x_3", "BILI", "205", 3},
                             Edge{"BILI_above_10x_4", "BILI", "205.0001", 4},
                             // ALB, LLN 40: 1 <40-30, 2 <30-20, 3 <20; "a-b" = b <= x < a for decreases
                             Edge{"ALB_high_is_0", "ALB", "60", 0}, Edge{"ALB_at_LLN_0", "ALB", "40", 0},
                             Edge{"ALB_below_LLN_1", "ALB", "39.9999", 1}, Edge{"ALB_30_1", "ALB", "30", 1},
                             Edge{"ALB_below_30_2", "ALB", "29.9999", 2}, Edge{"ALB_20_2", "ALB", "20", 2},
                             Edge{"ALB_below_20_3", "ALB", "19.9999", 3},
                             // INR: 1 >1.2-1.5, 2 >1.5-2.5, 3 >2.5
                             Edge{"INR_low_0", "INR", "0.5", 0}, Edge{"INR_1_2_0", "INR", "1.2", 0},
                             Edge{"INR_above_1_2_1", "INR", "1.2001", 1}, Edge{"INR_1_5_1", "INR", "1.5", 1},
                             Edge{"INR_above_1_5_2", "INR", "1.5001", 2}, Edge{"INR_2_5_2", "INR", "2.5", 2},
                             Edge{"INR_above_2_5_3", "INR", "2.5001", 3},
                             // APTT, ULN 37: 1.5x = 55.5, 2.5x = 92.5
                             Edge{"APTT_low_0", "APTT", "20", 0}, Edge{"APTT_at_ULN_0", "APTT", "37", 0},
                             Edge{"APTT_above_ULN_1", "APTT", "37.0001", 1}, Edge{"APTT_1_5x_1", "APTT", "55.5", 1},
                             Edge{"APTT_above_1_5x_2", "APTT", "55.5001", 2}, Edge{"APTT_2_5x_2", "APTT", "92.5", 2},
                             Edge{"APTT_above_2_5x_3", "APTT", "92.5001", 3},
                             // FIBRINO, LLN 2.0: 0.75x = 1.5, 0.5x = 1.0, 0.25x = 0.5 (= the absolute 0.5 g/L)
                             Edge{"FIBRINO_high_0", "FIBRINO", "5", 0}, Edge{"FIBRINO_at_LLN_0", "FIBRINO", "2.0", 0},
                             Edge{"FIBRINO_below_LLN_1", "FIBRINO", "1.9999", 1}, Edge{"FIBRINO_0_75x_1", "FIBRINO", "1.5", 1},
                             Edge{"FIBRINO_below_0_75x_2", "FIBRINO", "1.4999", 2}, Edge{"FIBRINO_0_5x_2", "FIBRINO", "1.0", 2},
                             Edge{"FIBRINO_below_0_5x_3", "FIBRINO", "0.9999", 3}, Edge{"FIBRINO_0_25x_3", "FIBRINO", "0.5", 3},
                             Edge{"FIBRINO_below_0_25x_4", "FIBRINO", "0.4999", 4}),
                         [](const ::testing::TestParamInfo<Edge>& row) { return std::string(row.param.name); });

TEST(CtcaeDefaults, NoCriterionForPtPtaImmunoglobulinsHbv) {
  for (const char* code : {"PT", "PTA", "IGG", "IGA", "IGM", "HBVDNA"}) {
    EXPECT_FALSE(defaultAnalyte(code).ctcae.has_value()) << code;
  }
}

TEST(CtcaeDefaults, BiliBaselineBands) {
  // Baseline 30 (above ULN 20.5): 1.5x = 45, 3x = 90, 10x = 300; at or below baseline: 0.
  const auto b = D("30");
  EXPECT_EQ(gradeOf("BILI", "25", D("20.5"), D("3.4"), b), 0);  // above ULN but below baseline
  EXPECT_EQ(gradeOf("BILI", "30", D("20.5"), D("3.4"), b), 0);
  EXPECT_EQ(gradeOf("BILI", "30.0001", D("20.5"), D("3.4"), b), 1);
  EXPECT_EQ(gradeOf("BILI", "45", D("20.5"), D("3.4"), b), 1);
  EXPECT_EQ(gradeOf("BILI", "45.0001", D("20.5"), D("3.4"), b), 2);
  EXPECT_EQ(gradeOf("BILI", "90", D("20.5"), D("3.4"), b), 2);
  EXPECT_EQ(gradeOf("BILI", "90.0001", D("20.5"), D("3.4"), b), 3);
  EXPECT_EQ(gradeOf("BILI", "300", D("20.5"), D("3.4"), b), 3);
  EXPECT_EQ(gradeOf("BILI", "300.0001", D("20.5"), D("3.4"), b), 4);
}

TEST(CtcaeDefaults, FibrinogenFallFromBaseline) {
  // Baseline 1.6 (below LLN 2.0). Falls: 25% -> 1.2, 50% -> 0.8, 75% -> 0.4.
  // 1 <25%, 2 25-<50%, 3 50-<75%, 4 >=75% or <0.5 g/L; at or above baseline 0.
  const auto b = D("1.6");
  EXPECT_EQ(gradeOf("FIBRINO", "1.7", D("4"), D("2"), b), 0);
  EXPECT_EQ(gradeOf("FIBRINO", "1.6", D("4"), D("2"), b), 0);
  EXPECT_EQ(gradeOf("FIBRINO", "1.5999", D("4"), D("2"), b), 1);
  EXPECT_EQ(gradeOf("FIBRINO", "1.2001", D("4"), D("2"), b), 1);  // fall just under 25%
  EXPECT_EQ(gradeOf("FIBRINO", "1.2", D("4"), D("2"), b), 2);     // exactly 25%
  EXPECT_EQ(gradeOf("FIBRINO", "0.8001", D("4"), D("2"), b), 2);
  EXPECT_EQ(gradeOf("FIBRINO", "0.8", D("4"), D("2"), b), 3);  // exactly 50%
  EXPECT_EQ(gradeOf("FIBRINO", "0.4", D("4"), D("2"), b), 4);  // exactly 75%
  EXPECT_EQ(gradeOf("FIBRINO", "0.3", D("4"), D("2"), b), 4);
}

TEST(CtcaeDefaults, FibrinogenBelowHalfGramIsGrade4WhateverTheFall) {
  // Baseline 0.6 g/L, value 0.49: fall 0.11 / 0.6 = 18% (grade 1 by fall) but < 0.5 g/L -> 4.
  EXPECT_EQ(gradeOf("FIBRINO", "0.49", D("4"), D("2"), D("0.6")), 4);
  // Baseline 0.9, value 0.48: fall 46.7% (grade 2 by fall) but < 0.5 g/L -> 4.
  EXPECT_EQ(gradeOf("FIBRINO", "0.48", D("4"), D("2"), D("0.9")), 4);
  // At or above a baseline that is itself < 0.5: 0 ("at or above baseline: 0").
  EXPECT_EQ(gradeOf("FIBRINO", "0.45", D("4"), D("2"), D("0.4")), 0);
  EXPECT_EQ(gradeOf("FIBRINO", "0.4", D("4"), D("2"), D("0.4")), 0);
}

TEST(CtcaeDefaults, FibrinogenHalfGramAlternativeWithOtherLln) {
  // LLN 1.6 (0.25x = 0.4): 0.45 is < 1.6, < 1.2, < 0.8 and < 0.5 g/L -> 4
  EXPECT_EQ(gradeOf("FIBRINO", "0.45", D("4"), D("1.6")), 4);
  // LLN 0.8 (a lab with an odd range): 0.45 < 0.8 (1), < 0.6 (2), not < 0.4, but < 0.5 g/L -> 4
  EXPECT_EQ(gradeOf("FIBRINO", "0.45", D("4"), D("0.8")), 4);
  // LLN 4.0: 0.25x = 1.0; 1.5 is < 4, < 3, < 2, not < 1 -> 3
  EXPECT_EQ(gradeOf("FIBRINO", "1.5", D("6"), D("4")), 3);
}

// ---- whole runs ----

engine::OutcomeRecord graded(const char* analyte, const std::string& valueMember, const char* date = "2026-01-29") {
  return runOne(Obs().analyte(analyte).effective(date).value(valueMember));
}

TEST(CtcaeRun, NullForAnalytesWithoutCriterion) {
  EXPECT_FALSE(graded("PT", qty("20", "s")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("PTA", qty("40", "%")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("IGG", qty("20", "g/L")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("IGA", qty("0.1", "g/L")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("IGM", qty("3", "g/L")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("HBVDNA", qty("2000", "IU/mL")).ctcae_grade.has_value());
}

TEST(CtcaeRun, NullWithoutANumber) {
  EXPECT_FALSE(graded("BILI", qty("40", "furlongs")).ctcae_grade.has_value());
  EXPECT_FALSE(graded("ALB", valueString("haemolysed")).ctcae_grade.has_value());
  auto absent = runOne(Obs().analyte("BILI").extra(R"("dataAbsentReason": {"coding": [{"code": "not-performed"}]})"));
  EXPECT_FALSE(absent.ctcae_grade.has_value());
}

TEST(CtcaeRun, GradesInAWholeRun) {
  EXPECT_EQ(graded("BILI", qty("2", "mg/dL")).ctcae_grade, 2);  // 34.2 umol/L: > 30.75, <= 61.5
  EXPECT_EQ(graded("ALB", qty("2.9", "g/dL")).ctcae_grade, 2);  // 29 g/L
  EXPECT_EQ(graded("INR", qtyNoUnit("2.6")).ctcae_grade, 3);
  EXPECT_EQ(graded("APTT", qty("60", "s")).ctcae_grade, 2);
  EXPECT_EQ(graded("FIBRINO", qty("45", "mg/dL")).ctcae_grade, 4);  // 0.45 g/L
  EXPECT_EQ(graded("BILI", qty("10", "umol/L")).ctcae_grade, 0);
}

TEST(CtcaeRun, ComparatorLessThanFiveBilirubin) {
  // "<5": flag indeterminate (spans the low 3.4), grade 0 (all of [0,5) is grade 0).
  auto r = graded("BILI", qtyCmp("<", "5", "umol/L"));
  EXPECT_EQ(text(r.flag), "indeterminate");
  EXPECT_EQ(r.ctcae_grade, 0);
  EXPECT_FALSE(r.selected);
}

TEST(CtcaeRun, ComparatorIntervals) {
  EXPECT_EQ(graded("BILI", qtyCmp(">", "205", "umol/L")).ctcae_grade, 4);               // (205, inf)
  EXPECT_FALSE(graded("BILI", qtyCmp(">=", "205", "umol/L")).ctcae_grade.has_value());  // 205 is grade 3
  EXPECT_FALSE(graded("BILI", qtyCmp("<", "25", "umol/L")).ctcae_grade.has_value());    // spans 0 and 1
  EXPECT_EQ(graded("INR", qtyCmp(">", "2.5", "1")).ctcae_grade, 3);
  EXPECT_EQ(graded("ALB", qtyCmp("<", "20", "g/L")).ctcae_grade, 3);               // [0,20)
  EXPECT_FALSE(graded("ALB", qtyCmp("<=", "20", "g/L")).ctcae_grade.has_value());  // 20 is grade 2
}

TEST(CtcaeRun, GradesUseTheObservationRange) {
  // APTT range 20-30 from the observation: ULN 30, 1.5x = 45; 46 -> 2 (with the default 37 it is 1)
  auto r = runOne(Obs().analyte("APTT").effective("2026-01-29").value(qty("46", "s")).range(R"({"text": "20-30"})"));
  EXPECT_EQ(r.ctcae_grade, 2);
}

// Baseline-relative rules: S01 dose 1 on 2026-01-01 (day 1).
Obs bili(const char* id, const char* date, const char* value) {
  return Obs(id).analyte("BILI").effective(date).value(qty(value, "umol/L"));
}
Obs fib(const char* id, const char* date, const char* value) {
  return Obs(id).analyte("FIBRINO").effective(date).value(qty(value, "g/L"));
}

TEST(CtcaeBaseline, BiliAboveUlnAtBaselineGradesLaterValuesByBaseline) {
  auto run = runObservations({bili("base", "2026-01-01", "30"), bili("w4", "2026-01-29", "25"), bili("w12", "2026-03-26", "62"),
                              bili("day2", "2026-01-02", "46")});
  EXPECT_TRUE(run.get("base").baseline);
  EXPECT_EQ(run.get("base").ctcae_grade, 1);  // baseline itself against ULN: 30 <= 30.75
  EXPECT_EQ(run.get("w4").ctcae_grade, 0);    // 25 <= baseline 30 (ULN rule would give 1)
  EXPECT_EQ(run.get("w12").ctcae_grade, 2);   // 62 <= 90 = 3x baseline (ULN rule would give 3)
  EXPECT_EQ(run.get("day2").ctcae_grade, 2);  // day 2 is after day 1: 46 > 45 = 1.5x baseline
}

TEST(CtcaeBaseline, EarlierRecordsUseUln) {
  // day -5 (2025-12-27): 62 against ULN -> 3, although the baseline is above ULN.
  auto run = runObservations({bili("base", "2026-01-01", "30"), bili("early", "2025-12-27", "62")});
  EXPECT_TRUE(run.get("base").selected);
  EXPECT_FALSE(run.get("early").selected);
  EXPECT_EQ(run.get("early").ctcae_grade, 3);
}

TEST(CtcaeBaseline, NormalBaselineKeepsUlnRule) {
  auto run = runObservations({bili("base", "2026-01-01", "20.5"), bili("w4", "2026-01-29", "25")});
  EXPECT_EQ(run.get("w4").ctcae_grade, 1);  // 25 > ULN 20.5
}

TEST(CtcaeBaseline, SelectedBaselineIsTheOneClosestToDayOne) {
  // day -3 = 30 (high), day 1 = 15 (normal): baseline is 15 -> ULN rule for day 29's 25 -> 1
  auto a = runObservations({bili("d-3", "2025-12-29", "30"), bili("d1", "2026-01-01", "15"), bili("w4", "2026-01-29", "25")});
  EXPECT_TRUE(a.get("d1").baseline);
  EXPECT_FALSE(a.get("d-3").baseline);
  EXPECT_EQ(a.get("w4").ctcae_grade, 1);
  // swapped: day 1 = 30 is the baseline -> 25 is at or below it -> 0
  auto b = runObservations({bili("d-3", "2025-12-29", "15"), bili("d1", "2026-01-01", "30"), bili("w4", "2026-01-29", "25")});
  EXPECT_EQ(b.get("w4").ctcae_grade, 0);
}

TEST(CtcaeBaseline, SubjectWithoutDoseDateGradedAgainstUln) {
  auto run = runObservations(
      {bili("base", "2026-01-01", "30").subject("Patient/p2"), bili("later", "2026-01-29", "25").subject("Patient/p2")});
  EXPECT_FALSE(run.get("later").study_day.has_value());
  EXPECT_EQ(run.get("later").ctcae_grade, 1);
  EXPECT_FALSE(run.get("base").baseline);
}

TEST(CtcaeBaseline, FibrinogenLowBaselineGradesByFall) {
  // Baseline 1.6 (< LLN 2.0). W4 1.2 = 25% fall -> 2 (LLN rule: 1.2 < 1.5 -> 2 as well);
  // W12 1.7 -> 0 (LLN rule: 1); W24 0.8 = 50% fall -> 3 (LLN rule: 2).
  auto run = runObservations({fib("base", "2026-01-01", "1.6"), fib("w4", "2026-01-29", "1.2"), fib("w12", "2026-03-26", "1.7"),
                              fib("w24", "2026-06-18", "0.8")});
  EXPECT_TRUE(run.get("base").baseline);
  EXPECT_EQ(run.get("base").ctcae_grade, 1);  // baseline against LLN: 1.6 in [1.5, 2.0)
  EXPECT_EQ(run.get("w4").ctcae_grade, 2);
  EXPECT_EQ(run.get("w12").ctcae_grade, 0);
  EXPECT_EQ(run.get("w24").ctcae_grade, 3);
}

TEST(CtcaeBaseline, FibrinogenUnderHalfGramAfterLowBaseline) {
  // Baseline 0.9: W4 0.48 is a 46.7% fall (2) but under 0.5 g/L -> 4.
  auto run = runObservations({fib("base", "2026-01-01", "0.9"), fib("w4", "2026-01-29", "0.48")});
  EXPECT_EQ(run.get("w4").ctcae_grade, 4);
}

TEST(CtcaeBaseline, RetractedBaselineIsNotUsed) {
  // The high baseline is withdrawn: no selected baseline -> ULN rule -> 25 is grade 1.
  auto run = runObservations({bili("base", "2026-01-01", "30").version("1"),
                              Obs("base").analyte("BILI").effective("2026-01-01").version("2").status("entered-in-error"),
                              bili("w4", "2026-01-29", "25")});
  EXPECT_EQ(run.get("base").status, "retracted");
  EXPECT_FALSE(run.get("base").ctcae_grade.has_value());
  EXPECT_EQ(run.get("w4").ctcae_grade, 1);
}

}  // namespace
}  // namespace fa::test

// The report's tables on the hand-worked cohort of report_cohort.h (docs/trial-rules.md,
// "Outcome measures", "Supporting analytes, scores and screening checks"). Each expectation shows its
// working.
#include <gtest/gtest.h>

#include "report/report_model.h"
#include "report_cohort.h"

namespace fa::test {
namespace {

class ReportModel : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string problem;
    auto built = report::buildReport(input, &problem);
    ASSERT_TRUE(built) << problem;
    r = *built;
  }
  const report::OutcomeCount& outcome(const std::string& id, const std::string& visit) {
    for (const auto& c : r.outcomes)
      if (c.outcome == id && c.visit == visit) return c;
    throw std::runtime_error("no outcome row " + id + " " + visit);
  }
  const report::LiverScores& scores(const std::string& subject, const std::string& visit) {
    for (const auto& s : r.scores)
      if (s.subject_id == subject && s.visit == visit) return s;
    throw std::runtime_error("no score row");
  }
  mapping::TrialConfig trial = reportTrial();
  engine::OutcomeRecords records = reportRecords(trial);
  report::ReportInput input = reportInput(trial, records);
  report::Report r;
};

TEST_F(ReportModel, OutcomeCountsEveryOutcomeAndVisit) {
  EXPECT_EQ(r.outcomes.size(), 12u);  // 4 outcomes x 3 visits
  // Bilirubin BASELINE: S01 68.4 high, S02 10 normal, S03 25 high: 2 of 3, 66.666... -> 66.7
  const auto& b = outcome("bilirubin_abnormal", "BASELINE");
  EXPECT_EQ(b.assessed, 3);
  EXPECT_EQ(b.abnormal, 2);
  EXPECT_EQ(b.percent_tenths, 667);
  // Albumin at W4: nobody has an ALB record there: no percent
  const auto& a = outcome("albumin_abnormal", "W4");
  EXPECT_EQ(a.assessed, 0);
  EXPECT_FALSE(a.percent_tenths);
  // Coagulation BASELINE: S01 PT and INR high (abnormal through both), S02 normal, S03 INR 1.2
  // normal: 1 of 3 -> 33.3; components PT 1, INR 1
  const auto& c = outcome("coagulation_abnormal", "BASELINE");
  EXPECT_EQ(c.assessed, 3);
  EXPECT_EQ(c.abnormal, 1);
  EXPECT_EQ(c.percent_tenths, 333);
  ASSERT_EQ(c.components.size(), 2u);
  EXPECT_EQ(c.components[0], (std::pair<std::string, int>{"PT", 1}));
  EXPECT_EQ(c.components[1], (std::pair<std::string, int>{"INR", 1}));
  // HBV DNA W4: S01 <20 normal, S02 2000 high, S03 2000 high: 2 of 3
  EXPECT_EQ(outcome("hbv_dna_quantifiable", "W4").abnormal, 2);
  // HBV DNA W72: S02's 20 equals the LLOQ, so it is quantified (high); S01 not detected
  EXPECT_EQ(outcome("hbv_dna_quantifiable", "W72").abnormal, 1);
  EXPECT_EQ(outcome("hbv_dna_quantifiable", "W72").percent_tenths, 500);
}

TEST_F(ReportModel, OverridesBesideTheCountsNeverInThem) {
  // Bilirubin W72: S01 15 normal, S02 30 high -> 1 abnormal; S02's override (its current
  // version) high -> normal gives 0 with overrides, 1 override applied.
  const auto& w72 = outcome("bilirubin_abnormal", "W72");
  EXPECT_EQ(w72.abnormal, 1);
  EXPECT_EQ(w72.abnormal_with_overrides, 0);
  EXPECT_EQ(w72.overrides_applied, 1);
  // S03's BASELINE override names version 1; the record is version 2: not applied
  const auto& base = outcome("bilirubin_abnormal", "BASELINE");
  EXPECT_EQ(base.abnormal_with_overrides, 2);
  EXPECT_EQ(base.overrides_applied, 0);
  ASSERT_EQ(r.reviews.size(), 4u);
  EXPECT_EQ(r.reviews[0].status, "applied");  // the acceptance
  EXPECT_EQ(r.reviews[1].status, "applied");
  EXPECT_EQ(r.reviews[1].current_flag, "high");
  EXPECT_EQ(r.reviews[2].status, "superseded");
  EXPECT_EQ(r.reviews[3].status, "no record");
  EXPECT_EQ(r.overrides_applied, 1);  // only S02's override is an applied override
}

TEST_F(ReportModel, OutcomeShiftsBaselineToW72) {
  ASSERT_EQ(r.outcome_shifts.size(), 4u);  // default pair only, one per outcome
  const auto& bili = r.outcome_shifts[0];
  // S01 high -> normal, S02 normal -> high; S03 has no W72
  EXPECT_EQ(bili.from_visit, "BASELINE");
  EXPECT_EQ(bili.to_visit, "W72");
  EXPECT_EQ(bili.subjects, 2);
  EXPECT_EQ(bili.abnormal_to_normal, 1);
  EXPECT_EQ(bili.normal_to_abnormal, 1);
  const auto& alb = r.outcome_shifts[1];  // S01 low -> low, S02 normal -> low
  EXPECT_EQ(alb.abnormal_to_abnormal, 1);
  EXPECT_EQ(alb.normal_to_abnormal, 1);
  const auto& hbv = r.outcome_shifts[3];  // S01 high -> not detected, S02 high -> 20 (high)
  EXPECT_EQ(hbv.abnormal_to_normal, 1);
  EXPECT_EQ(hbv.abnormal_to_abnormal, 1);
}

TEST_F(ReportModel, ExtraShiftPairAndUnknownVisit) {
  input.shifts = {{"BASELINE", "W4"}, {"BASELINE", "W72"}};  // the second repeats the default
  std::string problem;
  auto built = report::buildReport(input, &problem);
  ASSERT_TRUE(built);
  ASSERT_EQ(built->outcome_shifts.size(), 8u);
  // HBV DNA BASELINE -> W4: S01 high -> normal, S02 high -> high, S03 normal -> high
  const auto& hbv = built->outcome_shifts[7];
  EXPECT_EQ(hbv.to_visit, "W4");
  EXPECT_EQ(hbv.subjects, 3);
  EXPECT_EQ(hbv.abnormal_to_normal, 1);
  EXPECT_EQ(hbv.abnormal_to_abnormal, 1);
  EXPECT_EQ(hbv.normal_to_abnormal, 1);
  input.shifts = {{"BASELINE", "W96"}};
  EXPECT_FALSE(report::buildReport(input, &problem));
  EXPECT_EQ(problem, "--shift: \"W96\" is not a visit of trial.json");
}

TEST_F(ReportModel, AnalyteShiftsEveryOutcomeAnalyte) {
  // outcome analytes in analytes order: BILI, ALB, PT, INR, HBVDNA (CREA and NA are no outcome's)
  ASSERT_EQ(r.analyte_shifts.size(), 5u);
  EXPECT_EQ(r.analyte_shifts[4].analyte, "HBVDNA");
  const auto& bili = r.analyte_shifts[0];  // counts[from][to], 0 low 1 normal 2 high
  EXPECT_EQ(bili.subjects, 2);
  EXPECT_EQ(bili.counts[2][1], 1);  // S01 high -> normal
  EXPECT_EQ(bili.counts[1][2], 1);  // S02 normal -> high
  const auto& alb = r.analyte_shifts[1];
  EXPECT_EQ(alb.counts[0][0], 1);  // S01 low -> low
  EXPECT_EQ(alb.counts[1][0], 1);  // S02 normal -> low
}

TEST_F(ReportModel, HbvDnaChangeWithTheCensoringRule) {
  ASSERT_EQ(r.hbv_dna.size(), 2u);  // W4, W72 (visits after baseline)
  const auto& w4 = r.hbv_dna[0];
  // S01: <20 counts as log10(20); baseline 2000: 1.30103 - 3.30103 = -2
  // S02: 2000 against 200000: -2; S03: 2000 against a not-detected baseline, log10(20): +2
  // sorted -2, -2, 2; median x[1] = -2; q1 k+f = 0.5: -2; q3 k+f = 1.5: -2 + 0.5 x 4 = 0
  EXPECT_EQ(w4.subjects, 3);
  EXPECT_EQ(w4.below_lloq, 1);
  EXPECT_EQ(w4.change_subjects, 3);
  EXPECT_NEAR(static_cast<double>(*w4.median), -2.0, 1e-12);
  EXPECT_NEAR(static_cast<double>(*w4.q1), -2.0, 1e-12);
  EXPECT_NEAR(static_cast<double>(*w4.q3), 0.0, 1e-12);
  const auto& w72 = r.hbv_dna[1];
  // S01 not detected (log10 20) against 2000: -2; S02 20 against 200000: -4
  // sorted -4, -2: median k+f = 0.5: -3; q1 0.25: -3.5; q3 0.75: -2.5
  EXPECT_EQ(w72.subjects, 2);
  EXPECT_EQ(w72.below_lloq, 1);
  EXPECT_NEAR(static_cast<double>(*w72.median), -3.0, 1e-12);
  EXPECT_NEAR(static_cast<double>(*w72.q1), -3.5, 1e-12);
  EXPECT_NEAR(static_cast<double>(*w72.q3), -2.5, 1e-12);
}

TEST_F(ReportModel, WorstPostBaselineGrade) {
  ASSERT_EQ(r.worst_grades.size(), 3u);  // BILI, ALB, INR have criteria
  const auto& bili = r.worst_grades[0];
  // S01: day 29 grade 0, day 505 grade 0 (the day-1 grade 3 is not post-baseline) -> 0
  // S02: day 200 unscheduled grade 2 (final, not selected: counts), day 505 grade 1, the
  //      preliminary grade 3 and the retracted record do not count -> 2
  // S03: baseline only -> not counted
  EXPECT_EQ(bili.subjects, 2);
  EXPECT_EQ(bili.grades, (std::array<int, 5>{1, 0, 1, 0, 0}));
  EXPECT_EQ(r.worst_grades[1].grades, (std::array<int, 5>{0, 2, 0, 0, 0}));  // ALB: S01 1, S02 1
  EXPECT_EQ(r.worst_grades[2].grades, (std::array<int, 5>{1, 1, 0, 0, 0}));  // INR: S01 0, S02 1
}

TEST_F(ReportModel, LiverScoresPerSubjectAndVisit) {
  EXPECT_EQ(r.scores.size(), 12u);  // 4 subjects x 3 visits
  // S01 BASELINE: Cr 176.8/88.4 = 2.0, Bili 68.4/17.1 = 4.0, INR 2.0:
  //   0.957 ln 2 + 0.378 ln 4 + 1.120 ln 2 + 0.643 = 0.66334 + 0.52402 + 0.77632 + 0.643 = 2.60669
  //   -> 2.6 -> MELD 26; MELD-Na (Na 130): 26 + 1.32 x 7 - 0.033 x 26 x 7 = 29.234 -> 29
  //   Child-Pugh: bilirubin 68.4 > 51.3: 3, albumin 30 (28-35): 2, INR 2.0 (1.7-2.3): 2 -> 7
  const auto& s01 = scores("S01", "BASELINE");
  EXPECT_EQ(s01.meld, 26);
  EXPECT_EQ(s01.meld_na, 29);
  EXPECT_EQ(s01.child_pugh_lab_points, 7);
  EXPECT_TRUE(s01.missing.empty());
  EXPECT_EQ(s01.records.size(), 5u);
  // S02 BASELINE: every input floored at 1.0: MELD(i) 0.643 -> 6; not > 11, so MELD-Na = 6
  EXPECT_EQ(scores("S02", "BASELINE").meld, 6);
  EXPECT_EQ(scores("S02", "BASELINE").meld_na, 6);
  EXPECT_EQ(scores("S02", "BASELINE").child_pugh_lab_points, 3);
  // S03 BASELINE: creatinine "<44" is a comparator value, sodium absent; Child-Pugh 1 + 2 + 1
  const auto& s03 = scores("S03", "BASELINE");
  EXPECT_FALSE(s03.meld);
  EXPECT_FALSE(s03.meld_na);
  EXPECT_EQ(s03.child_pugh_lab_points, 4);
  ASSERT_EQ(s03.missing.size(), 2u);
  EXPECT_EQ(s03.missing[0].analyte, "CREA");
  EXPECT_EQ(s03.missing[0].why, "comparator value <");
  EXPECT_EQ(s03.missing[1].analyte, "NA");
  EXPECT_EQ(s03.missing[1].why, "no selected record");
  EXPECT_EQ(scores("S04", "W72").missing.size(), 5u);
}

TEST_F(ReportModel, ScoresTreatAnalytesTheMappingsLackAsMissing) {
  trial.analytes.erase(trial.analytes.begin() + 4, trial.analytes.begin() + 6);  // drop CREA, NA
  for (auto& o : trial.outcomes)
    for (auto& c : o.abnormal_when)
      if (c.analyte == 6) c.analyte = 4;  // HBVDNA moved up
  std::string problem;
  auto built = report::buildReport(input, &problem);
  ASSERT_TRUE(built);
  const auto& s01 = built->scores[0];  // S01 BASELINE
  EXPECT_FALSE(s01.meld);
  EXPECT_EQ(s01.child_pugh_lab_points, 7);
  ASSERT_EQ(s01.missing.size(), 2u);
  EXPECT_EQ(s01.missing[0].why, "not in fhir-mappings");
}

TEST_F(ReportModel, PtProlongationScreeningCheck) {
  const auto& c = r.pt_prolongation;
  ASSERT_TRUE(c.configured);
  ASSERT_EQ(c.subjects.size(), 4u);
  // S01: 18 - 12.0 = 6 > 3: exclusion; S02: 13 - 12 = 1; S03, S04: no screening PT
  EXPECT_EQ(c.subjects[0].prolongation->toString(), "6");
  EXPECT_TRUE(c.subjects[0].exclusion);
  EXPECT_EQ(c.subjects[0].note, "exclusion criterion: PT prolongation > 3 s");
  EXPECT_FALSE(c.subjects[1].exclusion);
  EXPECT_EQ(c.subjects[2].note, "no screening PT");
  EXPECT_EQ(c.exclusions, 1);
}

TEST_F(ReportModel, CompletenessToDo) {
  // As of 2027-05-25: BASELINE (closes 2026-01-01) and W4 (closes 2026-02-05, day 36) are
  // closed; W72 closes 2027-06-03 (day 519 = 2026-01-01 + 518 days): 9 days left, within 14.
  // Outcome analytes: BILI ALB PT INR HBVDNA.
  const auto& items = r.completeness.items;
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].subject_id, "S01");  // W4 has BILI and HBVDNA only
  EXPECT_EQ(items[0].visit, "W4");
  EXPECT_EQ(items[0].missing, (std::vector<std::string>{"ALB", "PT", "INR"}));
  EXPECT_EQ(items[1].subject_id, "S02");  // W4: HBVDNA only
  EXPECT_EQ(items[2].visit, "BASELINE");  // S03 BASELINE lacks PT
  EXPECT_EQ(items[2].missing, (std::vector<std::string>{"PT"}));
  EXPECT_EQ(items[4].visit, "W72");  // S03 W72: nothing yet, closing
  EXPECT_FALSE(items[4].closed);
  EXPECT_EQ(items[4].days_left, 9);
  EXPECT_EQ(items[4].window_opens, "2027-05-06");
  EXPECT_EQ(items[4].window_closes, "2027-06-03");
  EXPECT_EQ(r.completeness.without_dose1, (std::vector<std::string>{"S04"}));
}

TEST_F(ReportModel, RecordCounts) {
  // 14 S01 + 16 S02 + 6 S03 records; 33 selected (S02's unscheduled, preliminary and retracted
  // BILI records are not); 1 retracted; 1 preliminary (not usable); S01-S04
  EXPECT_EQ(r.counts.records, 36u);
  EXPECT_EQ(r.counts.selected, 33u);
  EXPECT_EQ(r.counts.retracted, 1u);
  EXPECT_EQ(r.counts.not_usable, 1u);
  EXPECT_EQ(r.counts.subjects, 4u);
}

TEST(ReportDose1, InferredFromARecord) {
  engine::OutcomeRecord r;
  r.effective = "2026-01-29";
  r.study_day = 29;  // day 1 = 2026-01-01
  EXPECT_EQ(core::formatIsoDate(*report::inferDose1(r)), "2026-01-01");
  r.effective = "2025-12-29";
  r.study_day = -3;  // no day 0: day -1 is 2025-12-31
  EXPECT_EQ(core::formatIsoDate(*report::inferDose1(r)), "2026-01-01");
  r.study_day.reset();
  EXPECT_FALSE(report::inferDose1(r));
}

}  // namespace
}  // namespace fa::test

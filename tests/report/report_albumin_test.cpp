// The albumin infusion screening check (docs/trial-rules.md "Screening checks") on the
// hand-worked cohort and infusions of report_cohort.h: an ALB result 0 to 21 days after an
// infusion of the same subject is possibly confounded; on or before day 1 it is also a
// screening finding.
#include <gtest/gtest.h>

#include "report/json_report.h"
#include "report/report_model.h"
#include "report/report_tables.h"
#include "report_cohort.h"

namespace fa::test {
namespace {

class AlbuminCheck : public ::testing::Test {
 protected:
  report::Report build() {
    std::string problem;
    auto built = report::buildReport(input, &problem);
    EXPECT_TRUE(built) << problem;
    return built ? *built : report::Report{};
  }
  mapping::TrialConfig trial = reportTrial();
  engine::OutcomeRecords records = reportRecords(trial);
  report::ReportInput input = reportInput(trial, records);
};

TEST_F(AlbuminCheck, MarksResultsWithinTheLookBackAfterAnInfusion) {
  const report::AlbuminInfusionCheck c = build().albumin_infusion;
  ASSERT_TRUE(c.run);
  EXPECT_EQ(c.infusions.size(), 5u);
  // S01 day 1 (2026-01-01): ma-s01-1 12 days before and ma-s01-2 the same day -> 2 in the window,
  // the latest (ma-s01-2, 0 days) named; day 1 <= 1 -> a screening finding.
  // S02 W72 (2027-05-20): mr-s02-1 2027-04-29 is 21 days before (April 29 -> 30 is 1, May 20 is
  // 1 + 20 = 21, the boundary, inside); ma-s02-0 2027-04-28 is 22 (outside) -> 1 in the window.
  // S01 W72 and S02's day -3 ALB: no infusion within 21 days before; S03's infusion comes a day
  // after its ALB. So two results.
  ASSERT_EQ(c.results.size(), 2u);
  const report::ConfoundedAlbumin& s01 = c.results[0];
  EXPECT_EQ(s01.subject_id, "S01");
  EXPECT_EQ(s01.observation, "Observation/s01-alb-b/_history/1");
  EXPECT_EQ(s01.date, "2026-01-01");
  EXPECT_EQ(s01.infusion, "MedicationAdministration/ma-s01-2");
  EXPECT_EQ(s01.days_after, 0);
  EXPECT_EQ(s01.infusions, 2);
  EXPECT_TRUE(s01.screening);
  EXPECT_EQ(s01.value, "30");
  const report::ConfoundedAlbumin& s02 = c.results[1];
  EXPECT_EQ(s02.observation, "Observation/s02-alb-w72/_history/1");
  EXPECT_EQ(s02.infusion, "MedicationRequest/mr-s02-1");
  EXPECT_EQ(s02.infusion_date, "2027-04-29");
  EXPECT_EQ(s02.days_after, 21);
  EXPECT_EQ(s02.infusions, 1);
  EXPECT_FALSE(s02.screening);
  EXPECT_EQ(c.screening_findings, 1);
  EXPECT_EQ(c.note,
            "2 ALB result(s) possibly confounded by albumin infusion (1 before dose 1: screening findings), 5 infusion(s) read");
}

TEST_F(AlbuminCheck, AShorterLookBackDropsTheBoundaryCase) {
  input.screening.albumin_infusion_lookback_days = 20;  // S02's 21 days is now outside; S01's 0 and 12 stay
  const report::AlbuminInfusionCheck c = build().albumin_infusion;
  ASSERT_EQ(c.results.size(), 1u);
  EXPECT_EQ(c.results[0].subject_id, "S01");
  EXPECT_EQ(c.results[0].infusions, 2);
}

TEST_F(AlbuminCheck, ARetractedResultIsNotMarked) {
  for (engine::OutcomeRecord& r : records)
    if (r.resource_id == "s02-alb-w72") r.status = "retracted";
  const report::AlbuminInfusionCheck c = build().albumin_infusion;
  ASSERT_EQ(c.results.size(), 1u);
  EXPECT_EQ(c.results[0].subject_id, "S01");
}

TEST_F(AlbuminCheck, NotRunWithoutStoredInfusionsAndNotConfiguredWithoutALookBack) {
  input.infusions_read = false;  // records files (--mappings) carry no infusions
  input.albumin_infusions.clear();
  report::AlbuminInfusionCheck c = build().albumin_infusion;
  EXPECT_FALSE(c.run);
  EXPECT_TRUE(c.results.empty());
  EXPECT_NE(c.note.find("not run"), std::string::npos) << c.note;
  input.screening.albumin_infusion_lookback_days.reset();
  const report::Report r = build();
  EXPECT_NE(r.albumin_infusion.note.find("not configured"), std::string::npos);
  for (const report::Table& t : report::reportTables(r))
    EXPECT_NE(t.name, "albumin_infusion");  // no table without the setting
}

TEST_F(AlbuminCheck, TheTableAndJsonListTheFindings) {
  const report::Report r = build();
  const std::vector<report::Table> tables = report::reportTables(r);
  auto t = std::find_if(tables.begin(), tables.end(), [](const report::Table& x) { return x.name == "albumin_infusion"; });
  ASSERT_NE(t, tables.end());
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[1], (std::vector<std::string>{"S02", "Observation/s02-alb-w72/_history/1", "2027-05-20", "505", "W72", "yes",
                                                  "38", "2027-04-29", "21", "1", "no", "MedicationRequest/mr-s02-1"}));
  const std::string json = report::renderJson(r);
  EXPECT_NE(json.find("\"screening_findings\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"infusion\": \"MedicationAdministration/ma-s01-2\""), std::string::npos);
}

}  // namespace
}  // namespace fa::test

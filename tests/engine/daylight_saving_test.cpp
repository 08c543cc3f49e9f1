// A site in a daylight-saving zone (docs/trial-rules.md "Time"): America/New_York, results near
// local midnight on both sides of the 2026 changes. With one fixed offset for the whole year,
// half of these would fall on the wrong date, study day and visit.
//
// 2026 in New York: EST (UTC-5) until Sunday March 8 02:00 local (07:00Z), EDT (UTC-4) until
// Sunday November 1 02:00 local (06:00Z), then EST again.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

// S01: dose 1 on 2026-01-01, so a 2026 date's study day is its day of the year
//   (Jan 31 + Feb 28 = 59: Mar 6 = 65; Jan..Sep = 273: Oct 30 = 303, Nov 1 = 305).
// S04: dose 1 on 2026-02-02, so Mar 9 = Feb 2 + 35 days = day 36, the last day of W4 (22..36).
// S05: dose 1 on 2026-08-02, so Nov 1 = Aug 2 + 91 days = day 92, the last day of W12 (78..92).
const char* kRoster =
    "subject_id,patient,dose1_date,dose2_date\n"
    "S01,Patient/p1,2026-01-01,\n"
    "S04,Patient/p4,2026-02-02,\n"
    "S05,Patient/p5,2026-08-02,\n";

struct Expected {
  const char* id;
  const char* patient;
  const char* collected;
  const char* effective;
  int study_day;
  const char* visit;
};

class NewYorkSite : public ::testing::Test {
 protected:
  NewYorkSite() { copy_.replace("trial.json", "\"name\": \"Asia/Shanghai\"", "\"name\": \"America/New_York\""); }

  RunResult run(const std::vector<Expected>& rows) const {
    std::string text;
    for (const Expected& e : rows)
      text += Obs(e.id).subject(e.patient).analyte("ALB").effective(e.collected).value(qty("42", "g/L")).json() + "\n";
    return runInputs({text}, kRoster, copy_.load());
  }

  void expectAll(const std::vector<Expected>& rows) const {
    RunResult r = run(rows);
    ASSERT_EQ(r.records.size(), rows.size());
    for (const Expected& e : rows) {
      const engine::OutcomeRecord& rec = r.get(e.id);
      EXPECT_EQ(rec.effective, e.effective) << e.id << " " << e.collected;
      EXPECT_EQ(rec.study_day, e.study_day) << e.id << " " << e.collected;
      EXPECT_EQ(rec.visit, e.visit) << e.id << " " << e.collected;
    }
  }

  MappingsCopy copy_;
};

TEST_F(NewYorkSite, AroundTheMarchChange) {
  expectAll({
      // before the change, EST: 04:30Z = 23:30 the day before, 05:30Z = 00:30
      {"m1", "Patient/p1", "2026-03-07T04:30:00Z", "2026-03-06", 65, "UNSCHEDULED"},
      {"m2", "Patient/p1", "2026-03-07T05:30:00Z", "2026-03-07", 66, "UNSCHEDULED"},
      // after the change, EDT: 03:30Z = 23:30 the day before, 04:30Z = 00:30 (EST would say 23:30 on the 9th)
      {"m3", "Patient/p1", "2026-03-10T03:30:00Z", "2026-03-09", 68, "UNSCHEDULED"},
      {"m4", "Patient/p1", "2026-03-10T04:30:00Z", "2026-03-10", 69, "UNSCHEDULED"},
      // written in local time without an offset: read as EDT on that date
      {"m5", "Patient/p1", "2026-03-09T23:30:00", "2026-03-09", 68, "UNSCHEDULED"},
  });
}

TEST_F(NewYorkSite, AroundTheNovemberChange) {
  expectAll({
      // before the change, EDT: 03:30Z = 23:30 the day before, 04:30Z = 00:30
      {"n1", "Patient/p1", "2026-10-31T03:30:00Z", "2026-10-30", 303, "UNSCHEDULED"},
      {"n2", "Patient/p1", "2026-10-31T04:30:00Z", "2026-10-31", 304, "UNSCHEDULED"},
      // after the change, EST: 04:30Z = 23:30 on Nov 1 (EDT would say 00:30 on Nov 2), 05:30Z = 00:30
      {"n3", "Patient/p1", "2026-11-02T04:30:00Z", "2026-11-01", 305, "UNSCHEDULED"},
      {"n4", "Patient/p1", "2026-11-02T05:30:00Z", "2026-11-02", 306, "UNSCHEDULED"},
      // an offset written by the server still wins: 23:30-04:00 = 03:30Z Nov 2 = 22:30 EST on Nov 1
      {"n5", "Patient/p1", "2026-11-01T23:30:00-04:00", "2026-11-01", 305, "UNSCHEDULED"},
  });
}

TEST_F(NewYorkSite, VisitWindowEdgesFollowTheLocalMidnight) {
  expectAll({
      // S04, W4 ends on Mar 9 (day 36): 03:59:59Z = 23:59:59 EDT on the 9th; 04:00Z is midnight of day 37
      {"w1", "Patient/p4", "2026-03-10T03:59:59Z", "2026-03-09", 36, "W4"},
      {"w2", "Patient/p4", "2026-03-10T04:00:00Z", "2026-03-10", 37, "UNSCHEDULED"},
      // S05, W12 ends on Nov 1 (day 92): 04:59:59Z = 23:59:59 EST on Nov 1; 05:00Z is midnight of day 93
      {"w3", "Patient/p5", "2026-11-02T04:59:59Z", "2026-11-01", 92, "W12"},
      {"w4", "Patient/p5", "2026-11-02T05:00:00Z", "2026-11-02", 93, "UNSCHEDULED"},
  });
}

}  // namespace
}  // namespace fa::test

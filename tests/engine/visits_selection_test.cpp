// Study days, visit windows and selection in whole runs (docs/trial-rules.md "Time", "Visits").
// S01: dose 1 = 2026-01-01, so a 2026 date's study day is its day of the year.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"

namespace fa::test {
namespace {

struct WindowEdge {
  const char* name;
  const char* date;
  int study_day;
  const char* visit;
};
void PrintTo(const WindowEdge& w, std::ostream* os) {
  *os << w.name;
}

class VisitWindowEdge : public ::testing::TestWithParam<WindowEdge> {};

TEST_P(VisitWindowEdge, DayAndVisit) {
  const WindowEdge& w = GetParam();
  auto r = runOne(Obs().analyte("ALB").effective(w.date).value(qty("42", "g/L")));
  EXPECT_EQ(r.effective, w.date);
  EXPECT_EQ(r.study_day, w.study_day);
  EXPECT_EQ(r.visit, w.visit);
  const bool scheduled = std::string(w.visit) != "UNSCHEDULED";
  EXPECT_EQ(r.selected, scheduled);  // alone in its window: selected
  EXPECT_EQ(r.baseline, std::string(w.visit) == "BASELINE");
}

INSTANTIATE_TEST_SUITE_P(
    Schedule, VisitWindowEdge,
    ::testing::Values(
        // BASELINE: day -28 to day 1 (2025-12-04 .. 2026-01-01); no day 0
        WindowEdge{"Baseline_before_first", "2025-12-03", -29, "UNSCHEDULED"},
        WindowEdge{"Baseline_first", "2025-12-04", -28, "BASELINE"},
        WindowEdge{"Baseline_day_minus_1", "2025-12-31", -1, "BASELINE"},
        WindowEdge{"Baseline_last_day1", "2026-01-01", 1, "BASELINE"},
        WindowEdge{"Baseline_after_day2", "2026-01-02", 2, "UNSCHEDULED"},
        // W4: 29 +-7 = 22..36 (Jan 22 .. Feb 5)
        WindowEdge{"W4_before", "2026-01-21", 21, "UNSCHEDULED"}, WindowEdge{"W4_first", "2026-01-22", 22, "W4"},
        WindowEdge{"W4_target", "2026-01-29", 29, "W4"}, WindowEdge{"W4_last", "2026-02-05", 36, "W4"},
        WindowEdge{"W4_after", "2026-02-06", 37, "UNSCHEDULED"},
        // W12: 85 +-7 = 78..92 (Mar 19 .. Apr 2; Jan+Feb = 59 days)
        WindowEdge{"W12_before", "2026-03-18", 77, "UNSCHEDULED"}, WindowEdge{"W12_first", "2026-03-19", 78, "W12"},
        WindowEdge{"W12_last", "2026-04-02", 92, "W12"}, WindowEdge{"W12_after", "2026-04-03", 93, "UNSCHEDULED"},
        // W24: 169 +-7 = 162..176 (Jun 11 .. Jun 25; Jan-May = 151 days)
        WindowEdge{"W24_before", "2026-06-10", 161, "UNSCHEDULED"}, WindowEdge{"W24_first", "2026-06-11", 162, "W24"},
        WindowEdge{"W24_last", "2026-06-25", 176, "W24"}, WindowEdge{"W24_after", "2026-06-26", 177, "UNSCHEDULED"},
        // W36: 253 +-14 = 239..267 (Aug 27 .. Sep 24; Jan-Jul = 212, Jan-Aug = 243)
        WindowEdge{"W36_before", "2026-08-26", 238, "UNSCHEDULED"}, WindowEdge{"W36_first", "2026-08-27", 239, "W36"},
        WindowEdge{"W36_last", "2026-09-24", 267, "W36"}, WindowEdge{"W36_after", "2026-09-25", 268, "UNSCHEDULED"},
        // W48: 337 +-14 = 323..351 (Nov 19 .. Dec 17; Jan-Oct = 304, Jan-Nov = 334)
        WindowEdge{"W48_before", "2026-11-18", 322, "UNSCHEDULED"}, WindowEdge{"W48_first", "2026-11-19", 323, "W48"},
        WindowEdge{"W48_last", "2026-12-17", 351, "W48"}, WindowEdge{"W48_after", "2026-12-18", 352, "UNSCHEDULED"},
        // W60: 421 +-14 = 407..435; 2027-01-01 is day 366: Feb 11 = 366+41, Mar 11 = 366+69
        WindowEdge{"W60_before", "2027-02-10", 406, "UNSCHEDULED"}, WindowEdge{"W60_first", "2027-02-11", 407, "W60"},
        WindowEdge{"W60_last", "2027-03-11", 435, "W60"}, WindowEdge{"W60_after", "2027-03-12", 436, "UNSCHEDULED"},
        // W72: 505 +-14 = 491..519: May 6 = 366+125, Jun 3 = 366+153
        WindowEdge{"W72_before", "2027-05-05", 490, "UNSCHEDULED"}, WindowEdge{"W72_first", "2027-05-06", 491, "W72"},
        WindowEdge{"W72_target", "2027-05-20", 505, "W72"}, WindowEdge{"W72_last", "2027-06-03", 519, "W72"},
        WindowEdge{"W72_after", "2027-06-04", 520, "UNSCHEDULED"}),
    [](const ::testing::TestParamInfo<WindowEdge>& row) { return std::string(row.param.name); });

Obs alb(const char* id, const std::string& when, const char* value = "42") {
  return Obs(id).analyte("ALB").effective(when).value(qty(value, "g/L"));
}

TEST(SiteTimeZone, UtcEveningFallsOnTheNextShanghaiDate) {
  // 2026-02-06T20:00Z = 2026-02-07 04:00 in Asia/Shanghai: day 38
  auto r = runOne(alb("a", "2026-02-06T20:00:00Z"));
  EXPECT_EQ(r.effective, "2026-02-07");
  EXPECT_EQ(r.study_day, 38);
}

TEST(SiteTimeZone, WindowEdgeDecidedInSiteTime) {
  // 2026-02-05T15:59:59Z = Feb 5 23:59:59 local: day 36, W4; one second later it is day 37.
  EXPECT_EQ(runOne(alb("a", "2026-02-05T15:59:59Z")).visit, "W4");
  auto out = runOne(alb("a", "2026-02-05T16:00:00Z"));
  EXPECT_EQ(out.effective, "2026-02-06");
  EXPECT_EQ(out.visit, "UNSCHEDULED");
}

TEST(SiteTimeZone, NegativeOffset) {
  // 2026-01-21T11:00-05:00 = 16:00Z = Jan 22 00:00 local: day 22, W4 (the written date says 21)
  auto r = runOne(alb("a", "2026-01-21T11:00:00-05:00"));
  EXPECT_EQ(r.effective, "2026-01-22");
  EXPECT_EQ(r.study_day, 22);
  EXPECT_EQ(r.visit, "W4");
  // 10:59-05:00 = 15:59Z = 23:59 local on the 21st: day 21, unscheduled
  EXPECT_EQ(runOne(alb("a", "2026-01-21T10:59:00-05:00")).visit, "UNSCHEDULED");
}

TEST(SiteTimeZone, DateOnlyIsTheLocalDate) {
  auto r = runOne(alb("a", "2026-01-22"));
  EXPECT_EQ(r.effective, "2026-01-22");
  EXPECT_EQ(r.study_day, 22);
}

TEST(CollectionTime, FallbackOrder) {
  // effectivePeriod.start, else effectiveInstant, else issued
  auto period = runOne(Obs()
                           .analyte("ALB")
                           .effectiveRaw(R"("effectivePeriod": {"start": "2026-01-29T08:00:00+08:00", "end": "2026-02-10"})")
                           .value(qty("42", "g/L")));
  EXPECT_EQ(period.effective, "2026-01-29");
  auto instant =
      runOne(Obs().analyte("ALB").effectiveRaw(R"("effectiveInstant": "2026-01-28T17:00:00Z")").value(qty("42", "g/L")));
  EXPECT_EQ(instant.effective, "2026-01-29");  // 17:00Z = 01:00 next day local
  auto issued = runOne(Obs().analyte("ALB").effectiveRaw(R"("issued": "2026-01-30T09:00:00+08:00")").value(qty("42", "g/L")));
  EXPECT_EQ(issued.effective, "2026-01-30");
  auto both = runOne(Obs()
                         .analyte("ALB")
                         .effectiveRaw(R"("effectiveDateTime": "2026-01-29", "issued": "2026-02-20T09:00:00+08:00")")
                         .value(qty("42", "g/L")));
  EXPECT_EQ(both.effective, "2026-01-29");
}

TEST(CollectionTime, NoTimeMeansNoDateAndUnscheduled) {
  auto r = runOne(Obs().analyte("ALB").effectiveRaw("\"note\": []").value(qty("42", "g/L")));
  EXPECT_FALSE(r.effective.has_value());
  EXPECT_FALSE(r.study_day.has_value());
  EXPECT_EQ(r.visit, "UNSCHEDULED");
  EXPECT_FALSE(r.selected);
}

TEST(Subjects, NoFirstDoseMeansNoStudyDay) {
  auto r = runOne(alb("a", "2026-01-29").subject("Patient/p2"));
  EXPECT_EQ(r.subject_id, "S02");
  EXPECT_EQ(r.effective, "2026-01-29");
  EXPECT_FALSE(r.study_day.has_value());
  EXPECT_EQ(r.visit, "UNSCHEDULED");
  EXPECT_FALSE(r.selected);
  EXPECT_FALSE(r.baseline);
}

TEST(VisitSelection, ClosestToTargetDay) {
  // W4 target 29: day 27 is 2 away, day 30 is 1 away
  auto run = runObservations({alb("d27", "2026-01-27"), alb("d30", "2026-01-30")});
  EXPECT_TRUE(run.get("d30").selected);
  EXPECT_FALSE(run.get("d27").selected);
  EXPECT_FALSE(run.get("d30").baseline);
}

TEST(VisitSelection, DistanceTieGoesToLaterCollection) {
  // days 27 and 31 are both 2 from 29: the later (31) wins
  auto run = runObservations({alb("d31", "2026-01-31"), alb("d27", "2026-01-27")});
  EXPECT_TRUE(run.get("d31").selected);
  EXPECT_FALSE(run.get("d27").selected);
}

TEST(VisitSelection, SameDayLaterTimeWins) {
  auto run = runObservations({alb("late", "2026-01-29T10:00:00+08:00"), alb("early", "2026-01-29T08:00:00+08:00")});
  EXPECT_TRUE(run.get("late").selected);
  EXPECT_FALSE(run.get("early").selected);
  // Across zones: 01:00Z (09:00 local) is later than 08:30+08:00
  auto zones = runObservations({alb("z", "2026-01-29T01:00:00Z"), alb("l", "2026-01-29T08:30:00+08:00")});
  EXPECT_TRUE(zones.get("z").selected);
}

TEST(VisitSelection, SameTimeLaterLastUpdatedWins) {
  auto run = runObservations({alb("a", "2026-01-29T08:00:00+08:00").updated("2026-02-01T00:00:00Z"),
                              alb("b", "2026-01-29T08:00:00+08:00").updated("2026-01-31T00:00:00Z")});
  EXPECT_TRUE(run.get("a").selected);
  EXPECT_FALSE(run.get("b").selected);
}

TEST(VisitSelection, FullTieGoesToGreaterIdString) {
  auto run = runObservations({alb("obs-a", "2026-01-29"), alb("obs-b", "2026-01-29")});
  EXPECT_TRUE(run.get("obs-b").selected);
  EXPECT_FALSE(run.get("obs-a").selected);
  // "9" > "10" as strings
  auto numeric = runObservations({alb("10", "2026-01-29"), alb("9", "2026-01-29")});
  EXPECT_TRUE(numeric.get("9").selected);
  EXPECT_FALSE(numeric.get("10").selected);
}

TEST(VisitSelection, DateOnlyOrdersAtLocalMidnight) {
  // Date-only 2026-01-29 = 00:00 local; 2026-01-28T17:00Z = 01:00 local on the 29th is later.
  auto run = runObservations({alb("dateonly", "2026-01-29"), alb("timed", "2026-01-28T17:00:00Z")});
  EXPECT_TRUE(run.get("timed").selected);
}

TEST(VisitSelection, BaselineClosestToDayOne) {
  auto run = runObservations({alb("d-10", "2025-12-22"), alb("d-3", "2025-12-29")});
  EXPECT_TRUE(run.get("d-3").selected);
  EXPECT_TRUE(run.get("d-3").baseline);
  EXPECT_FALSE(run.get("d-10").selected);
  EXPECT_FALSE(run.get("d-10").baseline);
  auto day1 = runObservations({alb("d-1", "2025-12-31T23:00:00+08:00"), alb("d1", "2026-01-01T07:00:00+08:00")});
  EXPECT_TRUE(day1.get("d1").baseline);  // day 1 is distance 0, day -1 distance 2
}

TEST(VisitSelection, OnlyUsableStatusesAreEligible) {
  // The preliminary result sits on the target day but is never selected.
  auto run = runObservations({alb("pre", "2026-01-29").status("preliminary"), alb("reg", "2026-01-29").status("registered"),
                              alb("unk", "2026-01-29").status("unknown"), alb("fin", "2026-01-25")});
  EXPECT_TRUE(run.get("fin").selected);
  for (const char* id : {"pre", "reg", "unk"}) {
    EXPECT_FALSE(run.get(id).selected) << id;
    EXPECT_NE(run.get(id).flag, std::nullopt) << id;  // kept and flagged
  }
  EXPECT_EQ(run.get("pre").status, "preliminary");
}

TEST(VisitSelection, AmendedAndCorrectedAreEligible) {
  EXPECT_TRUE(runOne(alb("a", "2026-01-29").status("amended")).selected);
  EXPECT_TRUE(runOne(alb("c", "2026-01-29").status("corrected")).selected);
}

TEST(VisitSelection, IndeterminateNeverRepresentsAVisit) {
  // Unknown unit on the target day, a usable value further away wins.
  auto good =
      runObservations({Obs("bad").analyte("ALB").effective("2026-01-29").value(qty("42", "oz")), alb("ok", "2026-02-02")});
  EXPECT_FALSE(good.get("bad").selected);
  EXPECT_TRUE(good.get("ok").selected);
}

TEST(VisitSelection, AbnormalValuesAreEligible) {
  auto run = runObservations({alb("low", "2026-01-29", "25"), alb("normal", "2026-01-31", "45")});
  EXPECT_TRUE(run.get("low").selected);
  EXPECT_EQ(text(run.get("low").flag), "low");
}

TEST(VisitSelection, PerAnalyteAndSubject) {
  auto run = runObservations(
      {alb("alb", "2026-01-29"), Obs("bili").analyte("BILI").effective("2026-01-29").value(qty("10", "umol/L")),
       alb("alb-s3", "2026-01-29").subjectRaw(R"({"identifier": {"system": "urn:oid:1.2.156.1", "value": "MRN-3"}})")});
  EXPECT_TRUE(run.get("alb").selected);
  EXPECT_TRUE(run.get("bili").selected);
  EXPECT_TRUE(run.get("alb-s3").selected);
  EXPECT_EQ(run.get("alb-s3").subject_id, "S03");
}

TEST(VisitSelection, UnscheduledNeverSelected) {
  auto run = runObservations({alb("u", "2026-01-10")});  // day 10: between BASELINE and W4
  EXPECT_EQ(run.get("u").visit, "UNSCHEDULED");
  EXPECT_FALSE(run.get("u").selected);
}

TEST(OutputOrder, SubjectAnalyteEffectiveObservation) {
  auto run = runObservations({
      alb("z", "2026-01-29"), alb("y", "2026-01-22"), Obs("x").analyte("BILI").effective("2026-01-30").value(qty("10", "umol/L")),
      alb("w", "2026-01-29").subject("Patient/p2"),
      Obs("v").analyte("ALB").effectiveRaw("\"note\": []").value(qty("42", "g/L")),  // no date: first
  });
  std::vector<std::string> ids;
  for (const auto& r : run.records)
    ids.push_back(r.resource_id);
  // S01 ALB (null date, Jan 22, Jan 29), S01 BILI, S02 ALB
  EXPECT_EQ(ids, (std::vector<std::string>{"v", "y", "z", "x", "w"}));
}

}  // namespace
}  // namespace fa::test

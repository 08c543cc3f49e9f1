// VISITNUM: scheduled visits by their place in trial.json (BASELINE 1 ... W72 8); unscheduled
// records after the last visit whose window ends before them, numbered per subject by date.
#include <gtest/gtest.h>

#include "export/export_records.h"
#include "export/visit_numbers.h"

namespace fa::test {
namespace {

std::vector<std::string> numbers(const engine::OutcomeRecords& records) {
  std::vector<const engine::OutcomeRecord*> pointers;
  for (const auto& r : records)
    pointers.push_back(&r);
  return exports::visitNumbers(pointers, defaultConfig()->visits);
}

TEST(VisitNumbers, ScheduledAndUnscheduled) {
  engine::OutcomeRecords records;
  records.push_back(RecordBuilder("S01", "BILI", "a").on("2026-01-01", 1, "BASELINE"));
  records.push_back(RecordBuilder("S01", "BILI", "b").on("2026-05-20", 505, "W72"));
  // Days 100 and 120: after W12 (78-92), before W24 (162-176): 3.1 and 3.2; ALB on day 100 shares 3.1.
  records.push_back(RecordBuilder("S01", "BILI", "c").on("2026-04-30", 120, "UNSCHEDULED"));
  records.push_back(RecordBuilder("S01", "BILI", "d").on("2026-04-10", 100, "UNSCHEDULED"));
  records.push_back(RecordBuilder("S01", "ALB", "e").on("2026-04-10", 100, "UNSCHEDULED"));
  // S03 has its own count: day 100 is its first unscheduled date after W12.
  records.push_back(RecordBuilder("S03", "BILI", "f").on("2026-04-10", 100, "UNSCHEDULED"));
  // Day -40: before BASELINE (-28..1): 0.1. Day 600: after W72 (491-519): 8.1.
  records.push_back(RecordBuilder("S01", "BILI", "g").on("2025-11-22", -40, "UNSCHEDULED"));
  records.push_back(RecordBuilder("S01", "BILI", "h").on("2027-08-24", 600, "UNSCHEDULED"));
  // No study day: no number.
  records.push_back(RecordBuilder("S02", "BILI", "i").on("2026-04-10", std::nullopt, "UNSCHEDULED"));
  EXPECT_EQ(numbers(records), (std::vector<std::string>{"1", "8", "3.2", "3.1", "3.1", "3.1", "0.1", "8.1", ""}));
}

TEST(VisitNumbers, TenDatesAfterOneVisitGetTwoDigits) {
  // Ten unscheduled dates (2026-02-19..28) after W4 (22-36): 2.01 ... 2.09, 2.1 (= 2.10), in date order.
  engine::OutcomeRecords records;
  for (int day = 40; day < 50; ++day)
    records.push_back(RecordBuilder("S01", "BILI", "u" + std::to_string(day))
                          .on("2026-02-" + std::to_string(day - 31 + 10), day, "UNSCHEDULED"));
  const auto got = numbers(records);
  EXPECT_EQ(got.front(), "2.01");
  EXPECT_EQ(got[8], "2.09");
  EXPECT_EQ(got.back(), "2.1");
}

}  // namespace
}  // namespace fa::test

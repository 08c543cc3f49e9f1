// Study days (no day 0) and visit windows (docs/trial-rules.md "Time", "Visits").
#include <gtest/gtest.h>

#include "core/study_time.h"

namespace fa::core {
namespace {

TEST(StudyDay, DoseDayIsDayOneAndThereIsNoDayZero) {
  const DayNumber dose1 = daysFromCivil(2026, 1, 10);
  EXPECT_EQ(studyDay(dose1, dose1), 1);
  EXPECT_EQ(studyDay(dose1 + 1, dose1), 2);
  EXPECT_EQ(studyDay(dose1 - 1, dose1), -1);  // the day before is -1, not 0
  EXPECT_EQ(studyDay(dose1 - 28, dose1), -28);
  EXPECT_EQ(studyDay(dose1 + 28, dose1), 29);  // W4 target: 2026-02-07
  EXPECT_EQ(studyDay(daysFromCivil(2026, 2, 7), dose1), 29);
}

TEST(StudyDay, NeverZeroAroundTheDose) {
  const DayNumber dose1 = daysFromCivil(2026, 1, 10);
  for (int offset = -40; offset <= 40; ++offset)
    EXPECT_NE(studyDay(dose1 + offset, dose1), 0) << offset;
}

TEST(VisitSchedule, FindsInclusiveWindows) {
  VisitSchedule s({{"BASELINE", 1, -28, 1, true}, {"W4", 29, 22, 36, false}});
  EXPECT_EQ(s.windowFor(-28)->name, "BASELINE");
  EXPECT_EQ(s.windowFor(1)->name, "BASELINE");
  EXPECT_EQ(s.windowFor(-29), nullptr);
  EXPECT_EQ(s.windowFor(2), nullptr);
  EXPECT_EQ(s.windowFor(21), nullptr);
  EXPECT_EQ(s.windowFor(22)->name, "W4");
  EXPECT_EQ(s.windowFor(36)->name, "W4");
  EXPECT_EQ(s.windowFor(37), nullptr);
  EXPECT_TRUE(s.windowFor(1)->baseline);
}

}  // namespace
}  // namespace fa::core

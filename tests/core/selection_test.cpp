// Selection ties (docs/trial-rules.md "Visits"): closest to the target day, then later collection time,
// then later meta.lastUpdated, then the greater resource id as a string.
#include <gtest/gtest.h>

#include "core/selection.h"

namespace fa::core {
namespace {

SelectionCandidate C(StudyDay day, std::optional<std::int64_t> collected, std::optional<std::int64_t> updated, std::string id) {
  return {day, collected, updated, std::move(id)};
}

TEST(Selection, ClosestToTargetWins) {
  EXPECT_TRUE(representsVisitBetter(C(30, 1, 1, "a"), C(33, 9, 9, "z"), 29));
  EXPECT_FALSE(representsVisitBetter(C(33, 9, 9, "z"), C(30, 1, 1, "a"), 29));
}

TEST(Selection, DistanceIsAbsoluteOnBothSides) {
  // Day 27 and day 31 are both 2 days from 29: distance ties, later collection wins.
  EXPECT_TRUE(representsVisitBetter(C(31, 200, 0, "a"), C(27, 100, 0, "b"), 29));
  EXPECT_FALSE(representsVisitBetter(C(27, 100, 0, "b"), C(31, 200, 0, "a"), 29));
}

TEST(Selection, BaselineClosestToDayOne) {
  // day -1 is 2 from day 1, day -5 is 6 from it.
  EXPECT_TRUE(representsVisitBetter(C(-1, 0, 0, "a"), C(-5, 0, 0, "b"), 1));
  EXPECT_TRUE(representsVisitBetter(C(1, 0, 0, "a"), C(-1, 9, 9, "b"), 1));
}

TEST(Selection, TieOnDistanceGoesToLaterCollection) {
  EXPECT_TRUE(representsVisitBetter(C(29, 2000, 1, "a"), C(29, 1000, 9, "z"), 29));
}

TEST(Selection, TieOnCollectionGoesToLaterLastUpdated) {
  EXPECT_TRUE(representsVisitBetter(C(29, 1000, 5, "a"), C(29, 1000, 4, "z"), 29));
  EXPECT_FALSE(representsVisitBetter(C(29, 1000, 4, "z"), C(29, 1000, 5, "a"), 29));
}

TEST(Selection, LastTieGoesToGreaterIdAsString) {
  // As strings "9" > "10" (first character '9' > '1').
  EXPECT_TRUE(representsVisitBetter(C(29, 1000, 5, "9"), C(29, 1000, 5, "10"), 29));
  EXPECT_TRUE(representsVisitBetter(C(29, 1000, 5, "obs-b"), C(29, 1000, 5, "obs-a"), 29));
  EXPECT_FALSE(representsVisitBetter(C(29, 1000, 5, "obs-a"), C(29, 1000, 5, "obs-b"), 29));
}

TEST(Selection, AKnownTimeIsLaterThanNone) {
  EXPECT_TRUE(representsVisitBetter(C(29, 1000, 5, "a"), C(29, std::nullopt, 5, "z"), 29));
  EXPECT_TRUE(representsVisitBetter(C(29, 1000, 5, "a"), C(29, 1000, std::nullopt, "z"), 29));
}

}  // namespace
}  // namespace fa::core

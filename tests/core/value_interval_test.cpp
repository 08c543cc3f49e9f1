// Comparator intervals (docs/trial-rules.md: "<20", ">=3" denote intervals; lab quantities are never
// negative, so "<20" is [0, 20)).
#include <gtest/gtest.h>

#include "core/value_interval.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  return *Decimal::parse(text);
}

TEST(Comparator, ParsesFhirCodes) {
  EXPECT_EQ(parseComparator(""), Comparator::None);
  EXPECT_EQ(parseComparator("<"), Comparator::Less);
  EXPECT_EQ(parseComparator("<="), Comparator::LessOrEqual);
  EXPECT_EQ(parseComparator(">"), Comparator::Greater);
  EXPECT_EQ(parseComparator(">="), Comparator::GreaterOrEqual);
  EXPECT_FALSE(parseComparator("=").has_value());
  EXPECT_FALSE(parseComparator("ad").has_value());  // "ad" (sufficient) is not a comparator in R4
  EXPECT_EQ(toString(Comparator::LessOrEqual), "<=");
  EXPECT_EQ(toString(Comparator::None), "");
}

TEST(Point, DisplacedPointsCompareJustBesideTheirValue) {
  const Point below{D("20"), Point::Side::JustBelow};  // 20-
  EXPECT_TRUE(isBelow(below, D("20")));
  EXPECT_FALSE(isAtOrAbove(below, D("20")));
  EXPECT_TRUE(isAbove(below, D("19.9999")));
  const Point above{D("3"), Point::Side::JustAbove};  // 3+
  EXPECT_TRUE(isAbove(above, D("3")));
  EXPECT_FALSE(isAtOrBelow(above, D("3")));
  EXPECT_TRUE(isBelow(above, D("3.0001")));
  const Point inf{D("3"), Point::Side::PlusInfinity};
  EXPECT_TRUE(isAbove(inf, D("1e30")));
  const Point exact{D("20"), Point::Side::Exact};
  EXPECT_TRUE(isAtOrAbove(exact, D("20")));
  EXPECT_TRUE(isAtOrBelow(exact, D("20")));
  EXPECT_FALSE(isAbove(exact, D("20")));
  EXPECT_FALSE(isBelow(exact, D("20")));
}

TEST(IntervalFor, LessIsZeroToJustBelow) {
  auto i = intervalFor(D("20"), Comparator::Less);
  EXPECT_EQ(i.lower.value, D("0"));
  EXPECT_EQ(i.lower.side, Point::Side::Exact);
  EXPECT_EQ(i.upper.value, D("20"));
  EXPECT_EQ(i.upper.side, Point::Side::JustBelow);
}

TEST(IntervalFor, LessOrEqualIncludesTheBound) {
  auto i = intervalFor(D("20"), Comparator::LessOrEqual);
  EXPECT_EQ(i.lower.value, D("0"));
  EXPECT_EQ(i.upper.side, Point::Side::Exact);
}

TEST(IntervalFor, GreaterRunsToInfinity) {
  auto i = intervalFor(D("170000000"), Comparator::Greater);
  EXPECT_EQ(i.lower.side, Point::Side::JustAbove);
  EXPECT_EQ(i.upper.side, Point::Side::PlusInfinity);
  auto j = intervalFor(D("3"), Comparator::GreaterOrEqual);
  EXPECT_EQ(j.lower.side, Point::Side::Exact);
  EXPECT_EQ(j.lower.value, D("3"));
  EXPECT_EQ(j.upper.side, Point::Side::PlusInfinity);
}

TEST(IntervalFor, NoComparatorIsAPoint) {
  auto i = intervalFor(D("12.5"), Comparator::None);
  EXPECT_EQ(i.lower.value, D("12.5"));
  EXPECT_EQ(i.upper.value, D("12.5"));
  EXPECT_EQ(i.lower.side, Point::Side::Exact);
  EXPECT_EQ(i.upper.side, Point::Side::Exact);
}

}  // namespace
}  // namespace fa::core

// Flags (docs/trial-rules.md "Reference ranges and flags"): low < low, high > high, bounds inclusive;
// comparator intervals flagged only when wholly on one side; HBV-DNA "high" at or above LLOQ.
#include <gtest/gtest.h>

#include "core/flag.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  return *Decimal::parse(text);
}

ReferenceRange R(const char* low, const char* high) {
  ReferenceRange r;
  if (low) r.low = D(low);
  if (high) r.high = D(high);
  return r;
}

Flag point(const char* v, const ReferenceRange& r, FlagRule rule = FlagRule::InclusiveRange) {
  return flagInterval(intervalFor(D(v), Comparator::None), r, rule);
}
Flag interval(Comparator c, const char* v, const ReferenceRange& r, FlagRule rule = FlagRule::InclusiveRange) {
  return flagInterval(intervalFor(D(v), c), r, rule);
}

const FlagRule kLloq = FlagRule::QuantifiedAtOrAboveHigh;

TEST(Flag, Names) {
  EXPECT_EQ(toString(Flag::Normal), "normal");
  EXPECT_EQ(toString(Flag::Low), "low");
  EXPECT_EQ(toString(Flag::High), "high");
  EXPECT_EQ(toString(Flag::Indeterminate), "indeterminate");
}

TEST(Flag, InclusiveBounds) {
  const auto bili = R("3.4", "20.5");
  EXPECT_EQ(point("3.4", bili), Flag::Normal);
  EXPECT_EQ(point("20.5", bili), Flag::Normal);
  EXPECT_EQ(point("3.3999", bili), Flag::Low);
  EXPECT_EQ(point("20.5001", bili), Flag::High);
  EXPECT_EQ(point("12", bili), Flag::Normal);
}

TEST(Flag, OneSidedRanges) {
  EXPECT_EQ(point("1000", R("3.4", nullptr)), Flag::Normal);
  EXPECT_EQ(point("0", R(nullptr, "20.5")), Flag::Normal);
  EXPECT_EQ(point("21", R(nullptr, "20.5")), Flag::High);
}

TEST(Flag, LessThanIntervalBelowTheLow) {
  // "<3" = [0, 3): wholly below 3.4 -> low
  EXPECT_EQ(interval(Comparator::Less, "3", R("3.4", "20.5")), Flag::Low);
  // "<3.4" = [0, 3.4): every value is below 3.4 -> low
  EXPECT_EQ(interval(Comparator::Less, "3.4", R("3.4", "20.5")), Flag::Low);
  // "<=3.4" = [0, 3.4]: 3.4 itself is normal -> indeterminate
  EXPECT_EQ(interval(Comparator::LessOrEqual, "3.4", R("3.4", "20.5")), Flag::Indeterminate);
}

TEST(Flag, LessThanIntervalSpanningTheRange) {
  // BILI "<5": [0, 5) spans low 3.4 -> indeterminate
  EXPECT_EQ(interval(Comparator::Less, "5", R("3.4", "20.5")), Flag::Indeterminate);
  // With no low bound, "<20" against high 20.5 is normal.
  EXPECT_EQ(interval(Comparator::Less, "20", R(nullptr, "20.5")), Flag::Normal);
  // "<=20.5" still normal (20.5 inclusive); "<=20.6" reaches high -> indeterminate
  EXPECT_EQ(interval(Comparator::LessOrEqual, "20.5", R(nullptr, "20.5")), Flag::Normal);
  EXPECT_EQ(interval(Comparator::LessOrEqual, "20.6", R(nullptr, "20.5")), Flag::Indeterminate);
}

TEST(Flag, GreaterThanIntervals) {
  // ">20.5" = (20.5, inf): wholly above 20.5 -> high
  EXPECT_EQ(interval(Comparator::Greater, "20.5", R("3.4", "20.5")), Flag::High);
  // ">=20.5" includes 20.5 (normal) -> indeterminate
  EXPECT_EQ(interval(Comparator::GreaterOrEqual, "20.5", R("3.4", "20.5")), Flag::Indeterminate);
  // ">=3" against INR 0.8-1.2 -> high
  EXPECT_EQ(interval(Comparator::GreaterOrEqual, "3", R("0.8", "1.2")), Flag::High);
  // ">3" against APTT 25-37 reaches into the range and beyond -> indeterminate
  EXPECT_EQ(interval(Comparator::Greater, "3", R("25", "37")), Flag::Indeterminate);
}

TEST(Flag, HbvLloqValueEqualToLloqIsHigh) {
  const auto lloq = R(nullptr, "20");
  EXPECT_EQ(point("20", lloq, kLloq), Flag::High);  // quantified at the LLOQ
  EXPECT_EQ(point("19.9999", lloq, kLloq), Flag::Normal);
  EXPECT_EQ(point("20.0001", lloq, kLloq), Flag::High);
  // The inclusive rule would call 20 normal: the LLOQ rule is the one exception.
  EXPECT_EQ(point("20", lloq), Flag::Normal);
}

TEST(Flag, HbvComparators) {
  const auto lloq = R(nullptr, "20");
  EXPECT_EQ(interval(Comparator::Less, "20", lloq, kLloq), Flag::Normal);                // [0,20)
  EXPECT_EQ(interval(Comparator::LessOrEqual, "20", lloq, kLloq), Flag::Indeterminate);  // [0,20]
  EXPECT_EQ(interval(Comparator::Greater, "170000000", lloq, kLloq), Flag::High);
  EXPECT_EQ(interval(Comparator::GreaterOrEqual, "20", lloq, kLloq), Flag::High);    // [20,inf)
  EXPECT_EQ(interval(Comparator::Greater, "19", lloq, kLloq), Flag::Indeterminate);  // (19,inf)
}

TEST(Flag, HbvIsNeverLow) {
  // A low bound given with the LLOQ plays no part: 5 against [10, 20] is below the low but
  // below the LLOQ too -> normal, not low; 20 is at the LLOQ -> high.
  const auto withLow = R("10", "20");
  EXPECT_EQ(point("5", withLow, kLloq), Flag::Normal);
  EXPECT_EQ(point("20", withLow, kLloq), Flag::High);
  // A range without a high has no LLOQ: nothing is quantified against it.
  EXPECT_EQ(point("293", R("10", nullptr), kLloq), Flag::Normal);
  // The inclusive rule still flags below the low: 5 < 10 -> low.
  EXPECT_EQ(point("5", withLow), Flag::Low);
}

TEST(FlagText, ParseIsTheInverseOfToString) {
  for (Flag f : {Flag::Normal, Flag::Low, Flag::High, Flag::Indeterminate})
    EXPECT_EQ(parseFlag(toString(f)), f) << toString(f);
  EXPECT_EQ(toString(Flag::Indeterminate), "indeterminate");
  for (const char* bad : {"", "HIGH", "retracted", "not_assessable", "high "})
    EXPECT_FALSE(parseFlag(bad).has_value()) << bad;
}

}  // namespace
}  // namespace fa::core

// CTCAE grading mechanics (docs/trial-rules.md "CTCAE v5.0 grades"): "a-b" means a < x <= b for
// increases and b <= x < a for decreases; within the normal direction 0; a missing reference
// makes the grade unknowable; a comparator gets a grade only when its interval is in one band.
#include <gtest/gtest.h>

#include "core/ctcae.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  return *Decimal::parse(text);
}

GradeThreshold uln(const char* f) {
  return {GradeThreshold::Basis::Uln, D(f), false};
}
GradeThreshold absolute(const char* v) {
  return {GradeThreshold::Basis::Absolute, D(v), false};
}

// APTT-like: 1 >ULN-1.5xULN, 2 >1.5-2.5xULN, 3 >2.5xULN
GradingScale increasing() {
  return {GradeDirection::Increase, {{3, {uln("2.5")}}, {1, {uln("1")}}, {2, {uln("1.5")}}}};  // any order
}
// ALB-like with LLN: 1 <LLN-30, 2 <30-20, 3 <20
GradingScale decreasing() {
  return {GradeDirection::Decrease,
          {{1, {{GradeThreshold::Basis::Lln, D("1"), false}}}, {2, {absolute("30")}}, {3, {absolute("20")}}}};
}

std::optional<int> grade(const char* v, const GradingScale& s, const GradeReferences& r, Comparator c = Comparator::None) {
  return gradeInterval(intervalFor(D(v), c), s, r);
}

TEST(Ctcae, IncreaseBandsAreOpenBelowClosedAbove) {
  GradeReferences r{D("37"), D("25"), std::nullopt};
  // ULN 37: 1.5x = 55.5, 2.5x = 92.5
  EXPECT_EQ(grade("37", increasing(), r), 0);
  EXPECT_EQ(grade("37.0001", increasing(), r), 1);
  EXPECT_EQ(grade("55.5", increasing(), r), 1);
  EXPECT_EQ(grade("55.5001", increasing(), r), 2);
  EXPECT_EQ(grade("92.5", increasing(), r), 2);
  EXPECT_EQ(grade("92.5001", increasing(), r), 3);
  EXPECT_EQ(grade("10", increasing(), r), 0);  // below the range: normal direction for an increase
}

TEST(Ctcae, DecreaseBandsAreClosedBelowOpenAbove) {
  GradeReferences r{D("55"), D("40"), std::nullopt};
  EXPECT_EQ(grade("40", decreasing(), r), 0);
  EXPECT_EQ(grade("39.9999", decreasing(), r), 1);
  EXPECT_EQ(grade("30", decreasing(), r), 1);
  EXPECT_EQ(grade("29.9999", decreasing(), r), 2);
  EXPECT_EQ(grade("20", decreasing(), r), 2);
  EXPECT_EQ(grade("19.9999", decreasing(), r), 3);
  EXPECT_EQ(grade("60", decreasing(), r), 0);
}

TEST(Ctcae, AbsoluteThresholdBeyondALowLlnKeepsNormalAtZero) {
  // LLN 25: 28 is above LLN (normal direction) although below the absolute 30.
  GradeReferences r{std::nullopt, D("25"), std::nullopt};
  EXPECT_EQ(grade("28", decreasing(), r), 0);
  EXPECT_EQ(grade("24", decreasing(), r), 2);  // < LLN and < 30, >= 20
}

TEST(Ctcae, MissingReferenceGivesNoGrade) {
  EXPECT_FALSE(grade("50", increasing(), GradeReferences{}).has_value());
  EXPECT_FALSE(grade("35", decreasing(), GradeReferences{D("55"), std::nullopt, std::nullopt}).has_value());
}

TEST(Ctcae, ComparatorGradedOnlyWithinOneBand) {
  GradeReferences r{D("37"), D("25"), std::nullopt};
  EXPECT_EQ(grade("30", increasing(), r, Comparator::Less), 0);                          // [0,30) all grade 0
  EXPECT_EQ(grade("37", increasing(), r, Comparator::LessOrEqual), 0);                   // [0,37] all grade 0
  EXPECT_FALSE(grade("40", increasing(), r, Comparator::Less).has_value());              // spans 0 and 1
  EXPECT_EQ(grade("92.5", increasing(), r, Comparator::Greater), 3);                     // (92.5, inf)
  EXPECT_FALSE(grade("92.5", increasing(), r, Comparator::GreaterOrEqual).has_value());  // 92.5 is grade 2
}

TEST(Ctcae, EitherAlternativeOfABandSuffices) {
  // Grade 4 "<0.25xLLN or <0.5": with LLN 2.0 both are 0.5; with LLN 1.2, 0.25x = 0.3.
  GradingScale s{GradeDirection::Decrease,
                 {{1, {{GradeThreshold::Basis::Lln, D("1"), false}}},
                  {2, {{GradeThreshold::Basis::Lln, D("0.75"), false}}},
                  {3, {{GradeThreshold::Basis::Lln, D("0.5"), false}}},
                  {4, {{GradeThreshold::Basis::Lln, D("0.25"), false}, absolute("0.5")}}}};
  GradeReferences r{std::nullopt, D("1.2"), std::nullopt};
  // 0.45: < 1.2, < 0.9, < 0.6, and < 0.5 (absolute) -> 4 although >= 0.3
  EXPECT_EQ(grade("0.45", s, r), 4);
  EXPECT_EQ(grade("0.5", s, r), 3);  // not < 0.5, not < 0.3; < 0.6
}

TEST(Ctcae, InclusiveThresholds) {
  GradingScale s{
      GradeDirection::Decrease,
      {{1, {{GradeThreshold::Basis::Baseline, D("1"), false}}}, {2, {{GradeThreshold::Basis::Baseline, D("0.75"), true}}}}};
  GradeReferences r{std::nullopt, std::nullopt, D("1.6")};
  EXPECT_EQ(grade("1.6", s, r), 0);  // at baseline
  EXPECT_EQ(grade("1.5", s, r), 1);
  EXPECT_EQ(grade("1.2", s, r), 2);  // 0.75 x 1.6 = 1.2, inclusive
  EXPECT_EQ(grade("1.2001", s, r), 1);
}

}  // namespace
}  // namespace fa::core

// Reference range text forms (docs/trial-rules.md: "a-b", "<b", "<=b", ">a"; bounds inclusive whatever
// the text says) and results written as text with a comparator.
#include <gtest/gtest.h>

#include "core/reference_range.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  return *Decimal::parse(text);
}

TEST(TextRange, LowDashHigh) {
  auto r = parseTextRange("3.4-20.5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, D("3.4"));
  EXPECT_EQ(r->high, D("20.5"));
  EXPECT_EQ(r->unit, "");
}

TEST(TextRange, WithSpacesAndUnit) {
  auto r = parseTextRange(" 0.3 - 1.2 mg/dL ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, D("0.3"));
  EXPECT_EQ(r->high, D("1.2"));
  EXPECT_EQ(r->unit, "mg/dL");
}

TEST(TextRange, EnDash) {
  auto r = parseTextRange(
      "40\xE2\x80\x93"
      "55");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, D("40"));
  EXPECT_EQ(r->high, D("55"));
}

TEST(TextRange, LessThanIsAnInclusiveHigh) {
  for (const char* t : {"<20", "<=20", "< 20",
                        "\xE2\x89\xA4"
                        "20"}) {
    auto r = parseTextRange(t);
    ASSERT_TRUE(r) << t;
    EXPECT_FALSE(r->low.has_value()) << t;
    EXPECT_EQ(r->high, D("20")) << t;
  }
}

TEST(TextRange, GreaterThanIsAnInclusiveLow) {
  for (const char* t : {">0.5", ">=0.5"}) {
    auto r = parseTextRange(t);
    ASSERT_TRUE(r) << t;
    EXPECT_EQ(r->low, D("0.5")) << t;
    EXPECT_FALSE(r->high.has_value()) << t;
  }
  auto u = parseTextRange("<20 IU/mL");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->unit, "IU/mL");
}

TEST(TextRange, RefusesWhatIsNotARange) {
  for (const char* t : {"", "normal", "20", "3.4-", "-20", "3.4-20.5-30", "see comment", "<", "3.4 20.5"}) {
    EXPECT_FALSE(parseTextRange(t).has_value()) << t;
  }
}

TEST(TextQuantity, ComparatorNumberUnit) {
  auto q = parseTextQuantity("<20 IU/mL");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->comparator, "<");
  EXPECT_EQ(q->number, "20");
  EXPECT_EQ(q->value, D("20"));
  EXPECT_EQ(q->unit, "IU/mL");
  auto p = parseTextQuantity(">=3 s");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->comparator, ">=");
  EXPECT_EQ(p->unit, "s");
  auto n = parseTextQuantity("12.50");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->comparator, "");
  EXPECT_EQ(n->number, "12.50");
  EXPECT_EQ(n->unit, "");
}

TEST(TextQuantity, RefusesPlainText) {
  EXPECT_FALSE(parseTextQuantity("Target Not Detected").has_value());
  EXPECT_FALSE(parseTextQuantity("1.2-3.4").has_value());
  EXPECT_FALSE(parseTextQuantity("").has_value());
}

TEST(RangeSource, Names) {
  EXPECT_EQ(toString(RangeSource::Observation), "observation");
  EXPECT_EQ(toString(RangeSource::Site), "site");
  EXPECT_EQ(toString(RangeSource::Protocol), "protocol");
}

}  // namespace
}  // namespace fa::core

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

TEST(TextQuantity, ENotation) {
  // Roche CAP/CTM above its range: ">1.70E+08 IU/mL" = > 1.70 x 10^8 = 170000000
  auto q = parseTextQuantity(">1.70E+08 IU/mL");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->comparator, ">");
  EXPECT_EQ(q->number, "1.70E+08");
  EXPECT_EQ(q->value, D("170000000"));
  EXPECT_EQ(q->unit, "IU/mL");
  // lower-case e, no sign, negative exponent: 2.5e3 = 2500; 5E-1 = 0.5
  EXPECT_EQ(parseTextQuantity("2.5e3 copies/mL")->value, D("2500"));
  EXPECT_EQ(parseTextQuantity("<5E-1")->value, D("0.5"));
  // An "e" not followed by digits is not an exponent: "12 eq" keeps its unit, "12E" has unit "E"
  EXPECT_EQ(parseTextQuantity("12 eq/L")->unit, "eq/L");
  EXPECT_EQ(parseTextQuantity("12E")->unit, "E");
  EXPECT_EQ(parseTextQuantity("12E+ IU/mL")->unit, "E+ IU/mL");
}

TEST(TextRange, ENotationBounds) {
  // "<2.0E+01 IU/mL": high 20
  auto r = parseTextRange("<2.0E+01 IU/mL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->high, D("20"));
  EXPECT_EQ(r->unit, "IU/mL");
  auto both = parseTextRange("2E1-1.7E8");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->low, D("20"));
  EXPECT_EQ(both->high, D("170000000"));
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

// Decimal: exact parsing, text, comparison and the 4-decimal, half-away-from-zero rounding that
// PROTOCOL.md asks of every standardised value.
#include <gtest/gtest.h>

#include "core/decimal.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  auto d = Decimal::parse(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d.value_or(Decimal());
}

TEST(Decimal, ParsesJsonNumbersExactly) {
  EXPECT_EQ(D("-12.50").toString(), "-12.5");
  EXPECT_EQ(D("1e3").toString(), "1000");
  EXPECT_EQ(D("1.5E-2").toString(), "0.015");
  EXPECT_EQ(D("+4").toString(), "4");
  EXPECT_EQ(D("0").toString(), "0");
  EXPECT_EQ(D("170000000").toString(), "170000000");
}

TEST(Decimal, RefusesTextThatIsNotAJsonNumber) {
  for (const char* bad : {".5", "1.", "", "-", "abc", "1,5", "1.2.3", "1e", "12 ", " 12", "0x10"}) {
    EXPECT_FALSE(Decimal::parse(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Decimal, TrailingZerosCompareEqual) {
  // "1.10" and "1.1" are the same number; the text is kept elsewhere (source_value).
  EXPECT_EQ(D("1.10"), D("1.1"));
  EXPECT_LT(D("1.09"), D("1.1"));
  EXPECT_GT(D("20.0001"), D("20"));
  EXPECT_LT(D("-3"), D("0"));
}

TEST(Decimal, RoundsHalfAwayFromZeroToFourPlaces) {
  EXPECT_EQ(D("1.23445").rounded(4).toString(), "1.2345");  // the 5 rounds up
  EXPECT_EQ(D("1.23444").rounded(4).toString(), "1.2344");
  EXPECT_EQ(D("-1.23445").rounded(4).toString(), "-1.2345");  // away from zero, not up
  EXPECT_EQ(D("0.00005").rounded(4).toString(), "0.0001");
  EXPECT_EQ(D("0.00004999").rounded(4).toString(), "0");
  EXPECT_EQ(D("2.5").rounded(0).toString(), "3");  // not banker's rounding
  EXPECT_EQ(D("3.5").rounded(0).toString(), "4");
  EXPECT_EQ(D("1.2").rounded(4).toString(), "1.2");  // fewer places: unchanged
}

TEST(Decimal, MultipliesExactly) {
  // 1.23 mg/dL bilirubin * 17.1 = 21.033 (binary floating point gives 21.032999...)
  EXPECT_EQ(D("1.23").times(D("17.1"))->toString(), "21.033");
  EXPECT_EQ(D("602").times(D("0.0664"))->toString(), "39.9728");
}

TEST(Decimal, DividesRoundingOnceHalfAwayFromZero) {
  // 100 / 5.82 = 17.18213058... -> 17.1821
  EXPECT_EQ(D("100").dividedBy(D("5.82"), 4)->toString(), "17.1821");
  // 1 / 8 = 0.125 -> 2 places: 0.13 (half away from zero)
  EXPECT_EQ(D("1").dividedBy(D("8"), 2)->toString(), "0.13");
  EXPECT_EQ(D("-1").dividedBy(D("8"), 2)->toString(), "-0.13");
  EXPECT_FALSE(D("1").dividedBy(D("0"), 4).has_value());
}

TEST(Decimal, PowerOfTen) {
  EXPECT_EQ(D("3").powerOfTen(4)->toString(), "1000");
  EXPECT_EQ(D("0").powerOfTen(4)->toString(), "1");
  EXPECT_EQ(D("-2").powerOfTen(4)->toString(), "0.01");
  // 10^1.5 = 31.6227766... -> 31.6228
  EXPECT_EQ(D("1.5").powerOfTen(4)->toString(), "31.6228");
}

TEST(Decimal, WholeAndSign) {
  EXPECT_TRUE(D("20.000").isWhole());
  EXPECT_FALSE(D("20.5").isWhole());
  EXPECT_TRUE(D("-0.5").isNegative());
  EXPECT_TRUE(D("0.000").isZero());
  EXPECT_EQ(Decimal::fromInt(-3).toString(), "-3");
  EXPECT_EQ(D("0.0325").toString(), "0.0325");
}

TEST(Decimal, FromLongDoubleRoundsToPlaces) {
  EXPECT_EQ(Decimal::fromLongDouble(1.23456L, 4)->toString(), "1.2346");
  EXPECT_FALSE(Decimal::fromLongDouble(1e40L, 4).has_value());
}

}  // namespace
}  // namespace fa::core

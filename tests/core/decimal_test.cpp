// Decimal: exact parsing, text, comparison and the 4-decimal, half-away-from-zero rounding that
// docs/trial-rules.md asks of every standardised value.
#include <gtest/gtest.h>

#include <vector>

#include "core/decimal.h"

namespace fa::core {
namespace {

Decimal D(const std::string& text) {
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

// toString writes digits with 128-bit arithmetic until the rest fits 64 bits (2^64 - 1 =
// 18446744073709551615, 20 digits): the 36-digit extremes cross that boundary.
TEST(Decimal, WritesTheWidestValuesBack) {
  EXPECT_EQ(D("-0.05").toString(), "-0.05");  // a leading "0." and a zero before the 5
  EXPECT_EQ(D("0.000000000000000000000000000001").toString(), "0.000000000000000000000000000001");  // 10^-30
  EXPECT_EQ(D("999999999999999999999999999999999999").toString(), "999999999999999999999999999999999999");
  EXPECT_EQ(D("-123456.789012345678901234567890").toString(), "-123456.78901234567890123456789");  // trailing 0 dropped
  EXPECT_EQ(D("18446744073709551616").toString(), "18446744073709551616");                         // 2^64
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

// Every pair of a list in ascending order, worked out by hand, across scales: small mantissas
// are compared at one scale, large ones (10^18 and up) or scales far apart by whole and
// fraction parts; both ways must agree with the list. Each group holds equal values.
TEST(Decimal, OrdersEveryPairAcrossScalesAndSizes) {
  const std::vector<std::vector<const char*>> ascending = {
      {"-999999999999999999999999999999999999"},
      {"-1000000000000000000000.5"},
      {"-3", "-3.000"},
      {"-0.0325"},
      {"0", "0.0000"},
      {"0.000000000000000000000000000001"},
      {"0.0001", "0.00010"},
      {"1.1", "1.10", "1.1000000000000000000000"},
      {"1.1000000000000000000001"},
      {"20.5"},
      {"20.52"},
      {"999999999999999999.9"},
      {"1000000000000000000"},
      {"999999999999999999999999999999999999"},
  };
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      for (const char* a : ascending[i]) {
        for (const char* b : ascending[j]) {
          const auto order = *Decimal::parse(a) <=> *Decimal::parse(b);
          const auto expected = i <=> j;
          EXPECT_EQ(order, expected) << a << " vs " << b;
        }
      }
    }
  }
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

// The bounds (decimal.h): at most 36 significant digits, at most 30 fraction digits, so the
// largest magnitude held is 10^36 - 1 and the smallest non-zero one 10^-30.
Decimal::ParseError errorOf(const std::string& text) {
  return Decimal::read(text).error;
}

TEST(DecimalLimits, LargestAcceptedAndFirstRejected) {
  const std::string nines(36, '9');  // 10^36 - 1
  EXPECT_EQ(D(nines).toString(), nines);
  EXPECT_EQ(D("-" + nines).toString(), "-" + nines);
  EXPECT_EQ(errorOf("1" + std::string(36, '0')), Decimal::ParseError::OutOfRange);  // 10^36
  EXPECT_EQ(D("1e35").toString(), "1" + std::string(35, '0'));
  EXPECT_EQ(errorOf("1e36"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(errorOf("-1e36"), Decimal::ParseError::OutOfRange);
}

TEST(DecimalLimits, SmallestAcceptedAndFirstRejected) {
  EXPECT_EQ(D("1e-30").toString(), "0." + std::string(29, '0') + "1");
  EXPECT_EQ(D("-1e-30").toString(), "-0." + std::string(29, '0') + "1");
  // 9.9e-31 is below 10^-30: rounding it to 30 places would make it 10^-30, a value never sent.
  EXPECT_EQ(errorOf("9.9e-31"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(errorOf("1e-31"), Decimal::ParseError::OutOfRange);
}

TEST(DecimalLimits, TheCrashingValueIsOutOfRange) {
  // 1.5e-157 needs 158 fraction digits; 10^128 overflowed Int128 before, then divided by zero.
  const Decimal::Parsed parsed = Decimal::read("1.5e-157");
  EXPECT_FALSE(parsed.value.has_value());
  EXPECT_EQ(parsed.error, Decimal::ParseError::OutOfRange);
  EXPECT_EQ(Decimal::describe(parsed.error), "value out of range");
  EXPECT_FALSE(Decimal::parse("0." + std::string(200, '0') + "15").has_value());
  EXPECT_EQ(errorOf("1.5e157"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(errorOf("1e99999999999999999999"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(errorOf("1e-99999999999999999999"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(Decimal::describe(errorOf("1e")), "is not a decimal");
}

TEST(DecimalLimits, ExponentsMoveTheScaleExactly) {
  EXPECT_EQ(D("123.45e2").toString(), "12345");
  EXPECT_EQ(D("123.45e-2").toString(), "1.2345");
  // 12345e-34 = 1.2345e-30 -> 30 places: 1|2345 x 10^-30, the 2 rounds down -> 1 x 10^-30
  EXPECT_EQ(D("12345e-34").toString(), "0." + std::string(29, '0') + "1");
  // 15e-31 = 1.5e-30 -> 1|5 x 10^-30, the 5 rounds away from zero -> 2 x 10^-30
  EXPECT_EQ(D("15e-31").toString(), "0." + std::string(29, '0') + "2");
  EXPECT_EQ(D("0.5e1").toString(), "5");
  EXPECT_EQ(D("0e-500").toString(), "0");  // zero stays zero whatever its exponent
  EXPECT_EQ(D("-0.000e999999").toString(), "0");
}

TEST(DecimalLimits, ManyDigits) {
  // Leading and trailing zeros are not significant: 1 followed by 40 zeros after the point is 1.
  EXPECT_EQ(D("1." + std::string(40, '0')).toString(), "1");
  EXPECT_EQ(D("0000000000" + std::string(36, '7')).toString(), std::string(36, '7'));
  // 37 significant digits within 30 places cannot be held exactly: 7 whole + 30 fraction digits.
  EXPECT_EQ(errorOf("1234567." + std::string(29, '0') + "1"), Decimal::ParseError::OutOfRange);
  EXPECT_EQ(D("123456." + std::string(29, '0') + "1").toString(), "123456." + std::string(29, '0') + "1");
  // Digits past the 30th place are rounded, not counted: 1.(35 zeros)1 -> 1.
  EXPECT_EQ(D("1." + std::string(35, '0') + "1").toString(), "1");
  // Beyond 30 fraction digits the rest rounds half away from zero: 1.(29 zeros)15 -> ...02.
  EXPECT_EQ(D("1." + std::string(29, '0') + "15").toString(), "1." + std::string(29, '0') + "2");
  // A million digits are read without trouble (and refused: far too many).
  EXPECT_EQ(errorOf(std::string(1000000, '3')), Decimal::ParseError::OutOfRange);
}

TEST(DecimalLimits, ArithmeticAtTheLimitsNeverOverflows) {
  const Decimal big = D(std::string(36, '9'));
  const Decimal tiny = D("1e-30");
  EXPECT_FALSE(big.times(big).has_value());  // ~10^72: out of range
  // 10^-30 x 10^-30 = 10^-60 rounds to 0 at 30 places.
  EXPECT_EQ(tiny.times(tiny)->toString(), "0");
  EXPECT_FALSE(big.dividedBy(tiny, 4).has_value());  // 10^66
  EXPECT_EQ(tiny.dividedBy(big, 30)->toString(), "0");
  EXPECT_EQ(D("1").dividedBy(D("3"), 500)->toString(), "0." + std::string(30, '3'));  // places clamp to 30
  EXPECT_EQ(D("2.5").rounded(-3).toString(), "3");                                    // places clamp to 0
  // Comparison is exact even when aligning the scales would overflow (10^35 x 10^30).
  EXPECT_LT(tiny, big);
  EXPECT_GT(D("1" + std::string(33, '0') + "1"), D("1" + std::string(34, '0') + ".9"));  // 10^34 + 1 > 10^34 + 0.9
  EXPECT_LT(D("-1" + std::string(35, '0')), D("-0." + std::string(29, '0') + "1"));
  EXPECT_GT(D("1" + std::string(35, '0')), D("99999." + std::string(30, '9')));
  EXPECT_EQ(D("5"), D("5.000000000000000000000000000000"));
  EXPECT_LT(D("-0.000000000000000000000000000002"), D("-0.000000000000000000000000000001"));
}

TEST(DecimalLimits, DivisionByZeroIsRefused) {
  EXPECT_FALSE(D("1").dividedBy(D("0"), 4).has_value());
  EXPECT_FALSE(D("0").dividedBy(D("0.000"), 4).has_value());
  EXPECT_FALSE(D("1e-30").dividedBy(D("0e5"), 30).has_value());
}

TEST(DecimalLimits, PowerOfTenOutOfRange) {
  EXPECT_FALSE(D("36").powerOfTen(4).has_value());  // 10^36 > 10^30, the long double bound
  EXPECT_FALSE(D("1e30").powerOfTen(4).has_value());
  EXPECT_EQ(D("-1e30").powerOfTen(4)->toString(), "0");  // 10^-(10^30) rounds to 0
  EXPECT_EQ(D("-30").powerOfTen(30)->toString(), "0." + std::string(29, '0') + "1");
}

TEST(DecimalLimits, Log10) {
  EXPECT_EQ(D("1000").log10(4)->toString(), "3");
  EXPECT_EQ(D("0.01").log10(4)->toString(), "-2");
  // log10 20 = 1.30103 -> 1.301
  EXPECT_EQ(D("20").log10(3)->toString(), "1.301");
  EXPECT_FALSE(D("0").log10(4).has_value());
  EXPECT_FALSE(D("-5").log10(4).has_value());
}

}  // namespace
}  // namespace fa::core

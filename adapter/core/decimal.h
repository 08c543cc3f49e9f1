#pragma once
// Decimal: an exact decimal number (mantissa / 10^scale).
//
// FHIR decimals are exact: "1.10" is not "1.1" for display, and 1.23445 must round to 1.2345,
// which binary floating point cannot promise. Unit factors (17.1, 0.0664), range bounds and
// CTCAE multiples (1.5 x ULN) are all decimals, so every comparison here is exact.
// Immutable value type; thread-safe.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace fa::core {

// __int128 is a GCC/Clang extension; __extension__ keeps -Wpedantic quiet about it.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

class Decimal {
 public:
  // Places every standardised value is rounded to (docs/trial-rules.md: 4 decimals, half away
  // from 0).
  static constexpr int kStandardPlaces = 4;
  // Bounds that keep every intermediate product and alignment inside Int128 (about 1.7e38):
  // at most kMaxDigits significant digits, at most kMaxScale fraction digits. So the largest
  // magnitude held is 10^36 - 1 and the smallest non-zero one 10^-30; anything else is
  // "value out of range", never undefined behaviour.
  static constexpr int kMaxScale = 30;
  static constexpr int kMaxDigits = 36;

  enum class ParseError { None, NotANumber, OutOfRange };
  struct Parsed;

  Decimal() = default;

  // Parses "-12.50", "1e3", "+4", ".5" is refused (JSON grammar, with an optional '+').
  // Fraction digits beyond kMaxScale are rounded away (half away from zero); a non-zero value
  // below 10^-30 or at or above 10^36, or with more than kMaxDigits significant digits, is
  // OutOfRange (it cannot be held exactly, and rounding it to 0 would change its meaning).
  static Parsed read(std::string_view text);
  // read(text).value: nullopt for text that is not a number or is out of range.
  static std::optional<Decimal> parse(std::string_view text);
  // The text a rejection gives: "is not a decimal" or "value out of range".
  static std::string_view describe(ParseError error);
  static Decimal fromInt(long long value);
  // Nearest decimal with `places` fraction digits (half away from zero); for results that
  // are irrational anyway (10^x for a fractional x).
  static std::optional<Decimal> fromLongDouble(long double value, int places);

  std::optional<Decimal> times(const Decimal& other) const;
  // this / other rounded to `places` decimals, half away from zero; nullopt on division by 0.
  std::optional<Decimal> dividedBy(const Decimal& other, int places) const;
  // 10^this: exact for whole exponents up to 30, else via long double rounded to `places`;
  // nullopt when the result is out of range.
  std::optional<Decimal> powerOfTen(int places) const;
  // log10(this) rounded to `places`; nullopt for zero and negative numbers.
  std::optional<Decimal> log10(int places) const;
  // Rounded to at most `places` fraction digits (clamped to 0..kMaxScale), half away from zero.
  Decimal rounded(int places) const;

  bool isZero() const { return mantissa_ == 0; }
  bool isNegative() const { return mantissa_ < 0; }
  bool isWhole() const;
  long double toLongDouble() const;
  // Shortest exact text: "20.52", "100000", "0.0325", "-3".
  std::string toString() const;
  // The same text in a buffer of its own: every output record writes three numbers, and a
  // string each was a good part of writing it.
  struct Text {
    char chars[48];  // sign, 36 digits, point and leading zeros fit
    unsigned char begin = 0;
    std::string_view view() const { return {chars + begin, sizeof chars - begin}; }
  };
  Text text() const;
  // The value as mantissa / 10^scale, for a compact binary form (engine/record_codec.h);
  // fromParts(d.mantissa(), d.scale()) == d, and nullopt for parts no Decimal can have.
  Int128 mantissa() const { return mantissa_; }
  int scale() const { return scale_; }
  static std::optional<Decimal> fromParts(Int128 mantissa, int scale);

  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }

 private:
  Decimal(Int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {}
  static std::optional<Decimal> make(Int128 mantissa, int scale);

  Int128 mantissa_ = 0;
  int scale_ = 0;  // number of fraction digits, 0..kMaxScale; |mantissa_| < 10^kMaxDigits
};

struct Decimal::Parsed {
  std::optional<Decimal> value;
  ParseError error = ParseError::None;
};

}  // namespace fa::core

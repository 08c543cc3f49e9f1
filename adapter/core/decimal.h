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

class Decimal {
 public:
  // Places every standardised value is rounded to (PROTOCOL.md: 4 decimals, half away from 0).
  static constexpr int kStandardPlaces = 4;

  Decimal() = default;

  // Parses "-12.50", "1e3", "+4", ".5" is refused (JSON grammar, with an optional '+').
  // Returns nullopt for text that is not a number or is too large to hold exactly.
  static std::optional<Decimal> parse(std::string_view text);
  static Decimal fromInt(long long value);
  // Nearest decimal with `places` fraction digits (half away from zero); for results that
  // are irrational anyway (10^x for a fractional x).
  static std::optional<Decimal> fromLongDouble(long double value, int places);

  std::optional<Decimal> times(const Decimal& other) const;
  // this / other rounded to `places` decimals, half away from zero; nullopt on division by 0.
  std::optional<Decimal> dividedBy(const Decimal& other, int places) const;
  // 10^this: exact for whole exponents up to 30, else via long double rounded to `places`.
  std::optional<Decimal> powerOfTen(int places) const;
  // Rounded to at most `places` fraction digits, half away from zero.
  Decimal rounded(int places) const;

  bool isZero() const { return mantissa_ == 0; }
  bool isNegative() const { return mantissa_ < 0; }
  bool isWhole() const;
  long double toLongDouble() const;
  // Shortest exact text: "20.52", "100000", "0.0325", "-3".
  std::string toString() const;

  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }

 private:
  Decimal(Int128 mantissa, int scale) : mantissa_(mantissa), scale_(scale) {}
  static std::optional<Decimal> make(Int128 mantissa, int scale);

  Int128 mantissa_ = 0;
  int scale_ = 0;  // number of fraction digits, 0..kMaxScale
};

}  // namespace fa::core

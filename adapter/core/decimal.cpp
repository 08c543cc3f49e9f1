#include "core/decimal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace fa::core {
namespace {

// 10^38 < 2^127 - 1 (about 1.7e38) < 10^39: every power of ten up to 38 fits.
constexpr int kInt128Digits = 38;
// An exponent beyond this puts any non-zero value far outside the range; it stops growing so
// that "1e99999999999" cannot overflow the scale arithmetic.
constexpr long long kExponentCap = 100000;

// 10^0 .. 10^38, computed once: every comparison and rounding looks powers up, and a loop of
// 128-bit products each time was most of comparing two values.
struct PowersOf10 {
  Int128 values[kInt128Digits + 1];
  PowersOf10() {
    values[0] = 1;
    for (int n = 1; n <= kInt128Digits; ++n)
      values[n] = values[n - 1] * 10;
  }
};

// 10^n. Callers keep 0 <= n <= 38; anything else is a bug, reported instead of overflowing.
Int128 powerOf10(int n) {
  static const PowersOf10 kPowers;
  if (n < 0 || n > kInt128Digits) throw std::out_of_range("value out of range");
  return kPowers.values[n];
}

const Int128 kInt128Limit = powerOf10(kInt128Digits);

Int128 absolute(Int128 v) {
  return v < 0 ? -v : v;
}

int digitCount(Int128 v) {
  v = absolute(v);
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

int clampPlaces(int places) {
  return std::clamp(places, 0, Decimal::kMaxScale);
}

std::strong_ordering compare(Int128 a, Int128 b) {
  return a < b ? std::strong_ordering::less : a > b ? std::strong_ordering::greater : std::strong_ordering::equal;
}

// Integer division rounding half away from zero; den != 0. |r| >= |den| - |r| is 2|r| >= |den|
// without the doubling that could overflow.
Int128 divideRounded(Int128 num, Int128 den) {
  Int128 q = num / den;
  Int128 r = absolute(num % den);
  if (r >= absolute(den) - r) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

// a * b, refused when it overflows or reaches 10^38 (so that absolute() can never overflow).
bool multiplyChecked(Int128 a, Int128 b, Int128& out) {
  Int128 product = 0;
  if (__builtin_mul_overflow(a, b, &product) || product >= kInt128Limit || product <= -kInt128Limit) return false;
  out = product;
  return true;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The JSON number grammar (with an optional '+'), split into its parts; syntax only.
struct NumberParts {
  bool negative = false;
  std::string_view integer;
  std::string_view fraction;
  long long exponent = 0;
};

std::optional<NumberParts> splitNumber(std::string_view text) {
  NumberParts p;
  size_t i = 0;
  auto digitsEnd = [&](size_t from) {
    while (from < text.size() && isDigit(text[from]))
      ++from;
    return from;
  };
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) p.negative = text[i++] == '-';
  size_t end = digitsEnd(i);
  if (end == i) return std::nullopt;
  p.integer = text.substr(i, end - i);
  i = end;
  if (i < text.size() && text[i] == '.') {
    end = digitsEnd(++i);
    if (end == i) return std::nullopt;
    p.fraction = text.substr(i, end - i);
    i = end;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    bool negativeExponent = false;
    if (++i < text.size() && (text[i] == '-' || text[i] == '+')) negativeExponent = text[i++] == '-';
    end = digitsEnd(i);
    if (end == i) return std::nullopt;
    for (; i < end; ++i)
      p.exponent = std::min(p.exponent * 10 + (text[i] - '0'), kExponentCap);
    if (negativeExponent) p.exponent = -p.exponent;
  }
  if (i != text.size()) return std::nullopt;
  return p;
}

}  // namespace

namespace {

struct Exact {
  Int128 mantissa = 0;
  int scale = 0;
  Decimal::ParseError error = Decimal::ParseError::None;
};

// digits x 10^-scale, bounded as Decimal promises. Works on the digit text, so no step can
// overflow however long the text or large the exponent.
Exact exactValue(const NumberParts& p) {
  std::string digits;
  digits.reserve(p.integer.size() + p.fraction.size());
  digits.append(p.integer).append(p.fraction);
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return {};  // zero, whatever its exponent
  const size_t last = digits.find_last_not_of('0');
  const std::string_view significant = std::string_view(digits).substr(first, last - first + 1);
  const long long count = static_cast<long long>(significant.size());
  // value = significant x 10^-scale; trailing zeros dropped move the scale, not the value.
  const long long scale =
      static_cast<long long>(p.fraction.size()) - p.exponent - static_cast<long long>(digits.size() - 1 - last);
  const long long leading = count - 1 - scale;  // the leading digit stands for 10^leading
  if (leading >= Decimal::kMaxDigits || leading < -Decimal::kMaxScale) return {0, 0, Decimal::ParseError::OutOfRange};
  // Fraction digits beyond kMaxScale are rounded away; leading >= -kMaxScale keeps one or more.
  const long long keep = scale > Decimal::kMaxScale ? count - (scale - Decimal::kMaxScale) : count;
  if (keep > Decimal::kMaxDigits) return {0, 0, Decimal::ParseError::OutOfRange};
  Exact out;
  for (long long i = 0; i < keep; ++i)
    out.mantissa = out.mantissa * 10 + (significant[static_cast<size_t>(i)] - '0');
  if (keep < count && significant[static_cast<size_t>(keep)] >= '5') ++out.mantissa;
  out.scale = static_cast<int>(std::min<long long>(scale, Decimal::kMaxScale));
  if (out.scale < 0) {
    out.mantissa *= powerOf10(-out.scale);  // -scale = leading - (count - 1) <= 35 digits
    out.scale = 0;
  }
  if (digitCount(out.mantissa) > Decimal::kMaxDigits) return {0, 0, Decimal::ParseError::OutOfRange};
  if (p.negative) out.mantissa = -out.mantissa;
  return out;
}

}  // namespace

std::optional<Decimal> Decimal::make(Int128 mantissa, int scale) {
  // Too many fraction digits (a product's): round them away. A shift past 38 digits leaves 0
  // for any Int128 (|m| < 1.7e38 < 0.5 x 10^39).
  if (scale > kMaxScale) {
    const int shift = scale - kMaxScale;
    mantissa = shift > kInt128Digits ? 0 : divideRounded(mantissa, powerOf10(shift));
    scale = kMaxScale;
  }
  if (digitCount(mantissa) > kMaxDigits) return std::nullopt;
  return Decimal(mantissa, scale);
}

std::optional<Decimal> Decimal::fromParts(Int128 mantissa, int scale) {
  if (scale < 0 || scale > kMaxScale || digitCount(mantissa) > kMaxDigits) return std::nullopt;
  return Decimal(mantissa, scale);
}

Decimal::Parsed Decimal::read(std::string_view text) {
  const std::optional<NumberParts> parts = splitNumber(text);
  if (!parts) return {std::nullopt, ParseError::NotANumber};
  const Exact exact = exactValue(*parts);
  if (exact.error != ParseError::None) return {std::nullopt, exact.error};
  return {Decimal(exact.mantissa, exact.scale), ParseError::None};
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
  return read(text).value;
}

std::string_view Decimal::describe(ParseError error) {
  switch (error) {
    case ParseError::NotANumber:
      return "is not a decimal";
    case ParseError::OutOfRange:
      return "value out of range";
    case ParseError::None:
      break;
  }
  return "";
}

Decimal Decimal::fromInt(long long value) {
  return Decimal(value, 0);
}

std::optional<Decimal> Decimal::fromLongDouble(long double value, int places) {
  if (!std::isfinite(value) || std::fabs(value) > 1e30L) return std::nullopt;
  places = clampPlaces(places);
  char buf[128];  // at most 31 integer digits, a sign, a point and 32 fraction digits
  std::snprintf(buf, sizeof buf, "%.*Lf", places + 2, value);
  auto parsed = parse(buf);
  if (!parsed) return std::nullopt;
  return parsed->rounded(places);
}

std::optional<Decimal> Decimal::times(const Decimal& other) const {
  Int128 product = 0;
  if (!multiplyChecked(mantissa_, other.mantissa_, product)) {
    // Shed fraction digits and retry once; only absurd inputs get here.
    Decimal a = rounded(8), b = other.rounded(8);
    if (!multiplyChecked(a.mantissa_, b.mantissa_, product)) return std::nullopt;
    return make(product, a.scale_ + b.scale_);
  }
  return make(product, scale_ + other.scale_);
}

std::optional<Decimal> Decimal::dividedBy(const Decimal& other, int places) const {
  if (other.mantissa_ == 0) return std::nullopt;
  places = clampPlaces(places);
  // q * 10^places = (m1 / 10^s1) / (m2 / 10^s2) * 10^places = m1 * 10^(places + s2 - s1) / m2;
  // with scales and places in 0..30 the exponent lies in -30..60.
  int exponent = places + other.scale_ - scale_;
  Int128 num = mantissa_;
  Int128 den = other.mantissa_;
  if (exponent >= 0) {
    if (exponent > kInt128Digits || !multiplyChecked(num, powerOf10(exponent), num)) return std::nullopt;
  } else {
    if (!multiplyChecked(den, powerOf10(-exponent), den)) return std::nullopt;
  }
  return make(divideRounded(num, den), places);
}

bool Decimal::isWhole() const {
  return scale_ == 0 || mantissa_ % powerOf10(scale_) == 0;
}

std::optional<Decimal> Decimal::powerOfTen(int places) const {
  if (isWhole()) {
    Int128 exponent = mantissa_ / powerOf10(scale_);
    if (exponent >= 0 && exponent <= 30) return Decimal(powerOf10(static_cast<int>(exponent)), 0);
    if (exponent < 0 && exponent >= -kMaxScale) return Decimal(1, static_cast<int>(-exponent)).rounded(places);
  }
  return fromLongDouble(std::pow(10.0L, toLongDouble()), places);
}

std::optional<Decimal> Decimal::log10(int places) const {
  if (mantissa_ <= 0) return std::nullopt;  // log10 of zero or a negative number is undefined
  return fromLongDouble(std::log10(toLongDouble()), places);
}

Decimal Decimal::rounded(int places) const {
  places = clampPlaces(places);
  if (scale_ <= places) return *this;
  return Decimal(divideRounded(mantissa_, powerOf10(scale_ - places)), places);
}

long double Decimal::toLongDouble() const {
  return static_cast<long double>(mantissa_) / std::pow(10.0L, static_cast<long double>(scale_));
}

// Digits are written backwards into a buffer (|mantissa| < 10^38: at most 38 digits, a point
// and a sign); 64-bit division once the rest fits, since 128-bit division is a library call and
// this runs for every value written out.
namespace {

// Digits of `a` written backwards from `p`, with a point after `scale` of them; returns the new
// start. Leading zeros up to one before the point ("0.05").
template <typename Unsigned>
char* writeDigits(Unsigned a, int scale, char* p) {
  int written = 0;
  const auto point = [&] {
    if (written == scale && scale > 0) *--p = '.';
  };
  do {
    point();
    *--p = static_cast<char>('0' + static_cast<unsigned>(a % 10));
    ++written;
    a /= 10;
  } while (a > 0);
  for (; written <= scale && scale > 0; ++written) {
    point();
    *--p = '0';
  }
  return p;
}

// Trailing fraction zeros dropped: 7.7000 -> 7.7.
template <typename Unsigned>
void stripZeros(Unsigned& a, int& scale) {
  while (scale > 0 && a % 10 == 0) {
    a /= 10;
    --scale;
  }
}

}  // namespace

Decimal::Text Decimal::text() const {
  Text out;
  const bool negative = mantissa_ < 0;
  UInt128 a = static_cast<UInt128>(absolute(mantissa_));
  int s = scale_;
  char* end = out.chars + sizeof out.chars;
  char* p = nullptr;
  if (a <= UINT64_MAX) {  // nearly every value: 64-bit arithmetic is many times faster
    auto small = static_cast<std::uint64_t>(a);
    stripZeros(small, s);
    p = writeDigits(small, s, end);
  } else {
    stripZeros(a, s);
    p = writeDigits(a, s, end);
  }
  if (negative) *--p = '-';
  out.begin = static_cast<unsigned char>(p - out.chars);
  return out;
}

std::string Decimal::toString() const {
  return std::string(text().view());
}

// Exact: whole parts first, then the fraction parts aligned to the larger scale (each below
// 10^30 in magnitude, so the alignment cannot overflow as aligning the mantissas could).
std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  if (a.scale_ == b.scale_) return compare(a.mantissa_, b.mantissa_);
  // Mantissas below 10^18 (nearly every lab value and bound) are brought to one scale and
  // compared exactly: one of them times at most 10^18 stays below 10^36, inside Int128.
  const Int128 kSmall = powerOf10(18);
  const int shift = a.scale_ - b.scale_;
  if (absolute(a.mantissa_) < kSmall && absolute(b.mantissa_) < kSmall && shift <= 18 && shift >= -18) {
    if (shift > 0) return compare(a.mantissa_, b.mantissa_ * powerOf10(shift));
    return compare(a.mantissa_ * powerOf10(-shift), b.mantissa_);
  }
  const Int128 unitA = powerOf10(a.scale_);
  const Int128 unitB = powerOf10(b.scale_);
  const Int128 wholeA = a.mantissa_ / unitA;
  const Int128 wholeB = b.mantissa_ / unitB;
  if (wholeA != wholeB) return compare(wholeA, wholeB);
  const int scale = std::max(a.scale_, b.scale_);
  return compare((a.mantissa_ % unitA) * powerOf10(scale - a.scale_), (b.mantissa_ % unitB) * powerOf10(scale - b.scale_));
}

}  // namespace fa::core

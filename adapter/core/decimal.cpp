#include "core/decimal.h"

#include <cmath>
#include <cstdio>

namespace fa::core {
namespace {

// Limits keep every intermediate product inside Int128 (about 1.7e38).
constexpr int kMaxScale = 30;
constexpr int kMaxDigits = 36;

Int128 powerOf10(int n) {
  Int128 p = 1;
  for (int i = 0; i < n; ++i)
    p *= 10;
  return p;
}

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

// Integer division rounding half away from zero.
Int128 divideRounded(Int128 num, Int128 den) {
  Int128 q = num / den;
  Int128 r = num % den;
  if (2 * absolute(r) >= absolute(den)) q += ((num < 0) != (den < 0)) ? -1 : 1;
  return q;
}

bool multiplyChecked(Int128 a, Int128 b, Int128& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

std::optional<Decimal> Decimal::make(Int128 mantissa, int scale) {
  // Too many fraction digits: round them away (a lab value never has 30 decimals).
  if (scale > kMaxScale) {
    mantissa = divideRounded(mantissa, powerOf10(scale - kMaxScale));
    scale = kMaxScale;
  }
  if (digitCount(mantissa) > kMaxDigits) return std::nullopt;
  return Decimal(mantissa, scale);
}

std::optional<Decimal> Decimal::parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  Int128 mantissa = 0;
  int scale = 0;
  int significant = 0;
  size_t intDigits = 0;
  auto addDigit = [&](char c) -> bool {
    if (significant > 0 || c != '0') ++significant;
    if (significant > kMaxDigits) return false;
    mantissa = mantissa * 10 + (c - '0');
    return true;
  };
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (!addDigit(text[i++])) return std::nullopt;
    ++intDigits;
  }
  if (intDigits == 0) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t fracDigits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (!addDigit(text[i++])) return std::nullopt;
      ++scale;
      ++fracDigits;
    }
    if (fracDigits == 0) return std::nullopt;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negExp = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negExp = text[i++] == '-';
    int exponent = 0;
    size_t expDigits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      exponent = exponent * 10 + (text[i++] - '0');
      if (exponent > 400) return std::nullopt;
      ++expDigits;
    }
    if (expDigits == 0) return std::nullopt;
    if (negExp) {
      scale += exponent;
    } else if (exponent <= scale) {
      scale -= exponent;
    } else {
      int grow = exponent - scale;
      scale = 0;
      if (grow > kMaxDigits || !multiplyChecked(mantissa, powerOf10(grow), mantissa)) return std::nullopt;
    }
  }
  if (i != text.size()) return std::nullopt;
  return make(negative ? -mantissa : mantissa, scale);
}

Decimal Decimal::fromInt(long long value) {
  return Decimal(value, 0);
}

std::optional<Decimal> Decimal::fromLongDouble(long double value, int places) {
  if (!std::isfinite(value) || std::fabs(value) > 1e30L) return std::nullopt;
  char buf[128];
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
  // q * 10^places = (m1 / 10^s1) / (m2 / 10^s2) * 10^places = m1 * 10^(places + s2 - s1) / m2
  int exponent = places + other.scale_ - scale_;
  Int128 num = mantissa_;
  Int128 den = other.mantissa_;
  if (exponent >= 0) {
    if (exponent > kMaxDigits || !multiplyChecked(num, powerOf10(exponent), num)) return std::nullopt;
  } else {
    if (-exponent > kMaxDigits || !multiplyChecked(den, powerOf10(-exponent), den)) return std::nullopt;
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

Decimal Decimal::rounded(int places) const {
  if (scale_ <= places) return *this;
  return Decimal(divideRounded(mantissa_, powerOf10(scale_ - places)), places);
}

long double Decimal::toLongDouble() const {
  return static_cast<long double>(mantissa_) / std::pow(10.0L, static_cast<long double>(scale_));
}

std::string Decimal::toString() const {
  Int128 m = mantissa_;
  int s = scale_;
  while (s > 0 && m % 10 == 0) {
    m /= 10;
    --s;
  }
  bool negative = m < 0;
  Int128 a = absolute(m);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(a % 10)));
    a /= 10;
  } while (a > 0);
  if (s > 0) {
    if (static_cast<int>(digits.size()) <= s) digits.insert(0, static_cast<size_t>(s + 1) - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(s), 1, '.');
  }
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  Int128 x = a.mantissa_;
  Int128 y = b.mantissa_;
  bool ok = true;
  if (a.scale_ < b.scale_) ok = multiplyChecked(x, powerOf10(b.scale_ - a.scale_), x);
  if (b.scale_ < a.scale_) ok = multiplyChecked(y, powerOf10(a.scale_ - b.scale_), y);
  if (!ok) {
    long double dx = a.toLongDouble();
    long double dy = b.toLongDouble();
    return dx < dy ? std::strong_ordering::less : dx > dy ? std::strong_ordering::greater : std::strong_ordering::equal;
  }
  return x < y ? std::strong_ordering::less : x > y ? std::strong_ordering::greater : std::strong_ordering::equal;
}

}  // namespace fa::core

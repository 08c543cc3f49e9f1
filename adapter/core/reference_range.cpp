#include "core/reference_range.h"

#include <cctype>

namespace fa::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Length of an exponent "E+08", "e-3", "E5" at the start of s; 0 when there is none (an "e"
// not followed by digits, as in "12 eq", is not one).
size_t exponentLength(std::string_view s) {
  if (s.empty() || (s[0] != 'e' && s[0] != 'E')) return 0;
  size_t n = 1;
  if (n < s.size() && (s[n] == '+' || s[n] == '-')) ++n;
  const size_t digits = n;
  while (n < s.size() && isDigit(s[n]))
    ++n;
  return n == digits ? 0 : n;
}

// Takes the longest number at the start of s: digits with one optional '.', then an optional
// exponent (docs/trial-rules.md: E notation, ">1.70E+08 IU/mL"); no sign.
std::optional<std::pair<std::string, Decimal>> takeNumber(std::string_view& s) {
  size_t n = 0;
  bool dot = false;
  while (n < s.size() && (isDigit(s[n]) || (s[n] == '.' && !dot))) {
    if (s[n] == '.') dot = true;
    ++n;
  }
  if (n == 0) return std::nullopt;
  n += exponentLength(s.substr(n));
  std::string text(s.substr(0, n));
  auto value = Decimal::parse(text);
  if (!value) return std::nullopt;
  s.remove_prefix(n);
  return std::make_pair(text, *value);
}

std::string_view takeComparator(std::string_view& s) {
  for (std::string_view c : {"<=", ">=", "<", ">", "\xE2\x89\xA4", "\xE2\x89\xA5"}) {  // also ≤ ≥
    if (s.substr(0, c.size()) == c) {
      s.remove_prefix(c.size());
      if (c == "\xE2\x89\xA4") return "<=";
      if (c == "\xE2\x89\xA5") return ">=";
      return c;
    }
  }
  return "";
}

// What follows a number must be a unit, not more numbers or operators.
bool plausibleUnit(std::string_view unit) {
  if (unit.empty()) return true;
  char first = unit.front();
  return !(std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '<' || first == '>' || first == '.' ||
           first == '=');
}

}  // namespace

std::string_view toString(RangeSource source) {
  switch (source) {
    case RangeSource::Observation:
      return "observation";
    case RangeSource::Site:
      return "site";
    case RangeSource::Protocol:
      return "protocol";
  }
  return "";
}

std::optional<TextRange> parseTextRange(std::string_view text) {
  std::string_view s = trim(text);
  TextRange out;
  std::string_view comparator = takeComparator(s);
  s = trim(s);
  auto first = takeNumber(s);
  if (!first) return std::nullopt;
  s = trim(s);
  if (comparator.empty()) {
    // "a-b", also with an en dash or " to "
    std::string_view separators[] = {"-", "\xE2\x80\x93", "to "};
    bool found = false;
    for (auto sep : separators) {
      if (s.substr(0, sep.size()) == sep) {
        s.remove_prefix(sep.size());
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    s = trim(s);
    auto second = takeNumber(s);
    if (!second) return std::nullopt;
    out.low = first->second;
    out.high = second->second;
  } else if (comparator[0] == '<') {
    out.high = first->second;  // inclusive whatever the text says (docs/trial-rules.md)
  } else {
    out.low = first->second;
  }
  s = trim(s);
  if (!plausibleUnit(s)) return std::nullopt;
  out.unit = std::string(s);
  return out;
}

std::optional<TextQuantity> parseTextQuantity(std::string_view text) {
  std::string_view s = trim(text);
  TextQuantity out;
  out.comparator = std::string(takeComparator(s));
  s = trim(s);
  auto number = takeNumber(s);
  if (!number) return std::nullopt;
  out.number = number->first;
  out.value = number->second;
  s = trim(s);
  if (!plausibleUnit(s)) return std::nullopt;
  out.unit = std::string(s);
  return out;
}

}  // namespace fa::core

#include "core/units.h"

#include <cctype>

namespace fa::core {

std::string normaliseDisplayUnit(std::string_view unit) {
  size_t begin = 0, end = unit.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(unit[begin])))
    ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(unit[end - 1])))
    --end;
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(unit[i]);
    // U+00B5 MICRO SIGN is C2 B5 in UTF-8, U+03BC GREEK SMALL LETTER MU is CE BC.
    if ((c == 0xC2 || c == 0xCE) && i + 1 < end) {
      unsigned char next = static_cast<unsigned char>(unit[i + 1]);
      if ((c == 0xC2 && next == 0xB5) || (c == 0xCE && next == 0xBC)) {
        out.push_back('u');
        ++i;
        continue;
      }
    }
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

void UnitTable::addSpelling(const std::string& spelling, const UnitConversion& conversion) {
  exact_.emplace(spelling, conversion);
  lenient_.emplace(normaliseDisplayUnit(spelling), conversion);
}

std::optional<UnitConversion> UnitTable::findSpelling(std::string_view spelling) const {
  auto it = lenient_.find(normaliseDisplayUnit(spelling));
  if (it == lenient_.end()) return std::nullopt;
  return it->second;
}

UnitTable::Lookup UnitTable::find(const QuantityUnit& unit) const {
  Lookup out;
  const bool ucum = unit.system && *unit.system == kUcumSystem && unit.code && !unit.code->empty();
  if (ucum) {
    out.unit_used = *unit.code;
    auto it = exact_.find(*unit.code);
    if (it != exact_.end()) out.conversion = it->second;
    return out;
  }
  if (unit.unit && !normaliseDisplayUnit(*unit.unit).empty()) {
    out.unit_used = *unit.unit;
    out.conversion = findSpelling(*unit.unit);
    return out;
  }
  out.unit_missing = true;
  out.conversion = missing_unit_;
  return out;
}

std::optional<Decimal> toStandardUnit(const Decimal& value, const UnitConversion& conversion) {
  // Products are exact and a division rounds once, straight to the standard places, so no value
  // is rounded twice. Only 10^x of a fractional x is irrational; it keeps 12 guard digits.
  constexpr int kGuardPlaces = 12;
  std::optional<Decimal> v = value;
  if (conversion.log10) v = v->powerOfTen(kGuardPlaces);
  if (v) v = v->times(conversion.multiply_by);
  if (!v) return std::nullopt;
  if (conversion.divide_by) return v->dividedBy(*conversion.divide_by, Decimal::kStandardPlaces);
  return v->rounded(Decimal::kStandardPlaces);
}

}  // namespace fa::core

#pragma once
// Units: accepted spellings of each analyte's units and their factors to the standard unit.
//
// docs/trial-rules.md: use valueQuantity.code when the system is UCUM, else valueQuantity.unit; compare
// UCUM codes case-sensitively, display units leniently (trim, case, micro sign). Never guess a
// unit, and never let a UCUM {annotation} act as a factor: spellings are looked up whole.
// A UnitTable is built once from fhir-mappings/ and then only read (thread-safe).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/decimal.h"

namespace fa::core {

inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";

// standard = (log10 ? 10^value : value) * multiply_by / divide_by
struct UnitConversion {
  Decimal multiply_by = Decimal::fromInt(1);
  std::optional<Decimal> divide_by;
  bool log10 = false;
};

// How a quantity names its unit, as sent: views into text the caller keeps alive while it looks
// the unit up (the parsed resource, on the hot path: copying three strings per quantity was a
// good part of reading an Observation).
struct QuantityUnit {
  std::optional<std::string_view> unit;    // valueQuantity.unit (display)
  std::optional<std::string_view> system;  // valueQuantity.system
  std::optional<std::string_view> code;    // valueQuantity.code
};

// Lower-cased, trimmed, with the micro sign and Greek mu read as "u".
std::string normaliseDisplayUnit(std::string_view unit);

class UnitTable {
 public:
  void addSpelling(const std::string& spelling, const UnitConversion& conversion);
  void allowMissingUnit(const UnitConversion& conversion) { missing_unit_ = conversion; }

  // Outcome of looking a quantity's unit up.
  struct Lookup {
    std::optional<UnitConversion> conversion;  // absent: not convertible
    std::string_view unit_used;                // the spelling that was looked up ("" = none), a view into the unit
    bool unit_missing = false;
  };
  Lookup find(const QuantityUnit& unit) const;
  std::optional<UnitConversion> findSpelling(std::string_view spelling) const;  // lenient

 private:
  // Looked up by string_view without building a key string (C++20 heterogeneous lookup).
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Spellings = std::unordered_map<std::string, UnitConversion, TextHash, std::equal_to<>>;
  Spellings exact_;
  Spellings lenient_;
  std::optional<UnitConversion> missing_unit_;
};

// value in the standard unit, rounded to Decimal::kStandardPlaces; nullopt when out of range.
std::optional<Decimal> toStandardUnit(const Decimal& value, const UnitConversion& conversion);

}  // namespace fa::core

#pragma once
// ReferenceRange: the low/high bounds a value is flagged against, in the standard unit, and
// where they came from. docs/trial-rules.md: the Observation's own range, else the site table, else the
// protocol default; bounds are inclusive whatever a text says.
#include <optional>
#include <string>
#include <string_view>

#include "core/decimal.h"

namespace fa::core {

enum class RangeSource { Observation, Site, Protocol };
std::string_view toString(RangeSource source);

struct ReferenceRange {
  std::optional<Decimal> low;
  std::optional<Decimal> high;
  bool empty() const { return !low && !high; }
};

// A range written as text: "3.4-20.5", "<20", "<=20", ">0.5", ">=0.5", each optionally followed
// by a unit ("3.4-20.5 umol/L"). Bounds are as written (not yet converted).
struct TextRange {
  std::optional<Decimal> low;
  std::optional<Decimal> high;
  std::string unit;  // trimmed trailing text, "" when none
};
std::optional<TextRange> parseTextRange(std::string_view text);

// A result written as text with a number: "<20 IU/mL", "12.5", ">=3 s".
struct TextQuantity {
  std::string comparator;  // "", "<", "<=", ">", ">="
  std::string number;      // the number exactly as written
  Decimal value;
  std::string unit;  // trimmed trailing text, "" when none
};
std::optional<TextQuantity> parseTextQuantity(std::string_view text);

}  // namespace fa::core

#pragma once
// Flags: normal, low, high or indeterminate, against a reference range.
//
// docs/trial-rules.md: "low" if value < low, "high" if value > high, else "normal" (bounds inclusive).
// HBV-DNA-style analytes flag "high" when quantified at or above the range's high bound (the
// LLOQ): a value equal to the LLOQ is quantified; they are never "low". An interval (comparator) gets a flag only when
// both its ends agree; the flag rules are monotone, so that means the whole interval agrees.
#include <optional>
#include <string_view>

#include "core/reference_range.h"
#include "core/value_interval.h"

namespace fa::core {

enum class Flag { Normal, Low, High, Indeterminate };
std::string_view toString(Flag flag);
// The flag whose toString is `text` ("normal", "low", "high", "indeterminate"), else nullopt.
std::optional<Flag> parseFlag(std::string_view text);

enum class FlagRule {
  InclusiveRange,           // low < ... > high, bounds inclusive
  QuantifiedAtOrAboveHigh,  // high when >= high (LLOQ), else normal; a low bound is ignored
};

Flag flagPoint(const Point& p, const ReferenceRange& range, FlagRule rule);
Flag flagInterval(const ValueInterval& interval, const ReferenceRange& range, FlagRule rule);

}  // namespace fa::core

#include "core/flag.h"

namespace fa::core {

std::string_view toString(Flag flag) {
  switch (flag) {
    case Flag::Normal:
      return "normal";
    case Flag::Low:
      return "low";
    case Flag::High:
      return "high";
    case Flag::Indeterminate:
      return "indeterminate";
  }
  return "";
}

std::optional<Flag> parseFlag(std::string_view text) {
  for (Flag f : {Flag::Normal, Flag::Low, Flag::High, Flag::Indeterminate}) {
    if (toString(f) == text) return f;
  }
  return std::nullopt;
}

Flag flagPoint(const Point& p, const ReferenceRange& range, FlagRule rule) {
  if (rule == FlagRule::QuantifiedAtOrAboveHigh) {
    // docs/trial-rules.md: the high bound is the LLOQ; below it is normal, never low.
    return range.high && isAtOrAbove(p, *range.high) ? Flag::High : Flag::Normal;
  }
  if (range.low && isBelow(p, *range.low)) return Flag::Low;
  if (range.high && isAbove(p, *range.high)) return Flag::High;
  return Flag::Normal;
}

Flag flagInterval(const ValueInterval& interval, const ReferenceRange& range, FlagRule rule) {
  const Flag lower = flagPoint(interval.lower, range, rule);
  const Flag upper = flagPoint(interval.upper, range, rule);
  return lower == upper ? lower : Flag::Indeterminate;
}

}  // namespace fa::core

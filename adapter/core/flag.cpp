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
  if (range.low && isBelow(p, *range.low)) return Flag::Low;
  if (range.high) {
    const bool high = rule == FlagRule::QuantifiedAtOrAboveHigh ? isAtOrAbove(p, *range.high) : isAbove(p, *range.high);
    if (high) return Flag::High;
  }
  return Flag::Normal;
}

Flag flagInterval(const ValueInterval& interval, const ReferenceRange& range, FlagRule rule) {
  const Flag lower = flagPoint(interval.lower, range, rule);
  const Flag upper = flagPoint(interval.upper, range, rule);
  return lower == upper ? lower : Flag::Indeterminate;
}

}  // namespace fa::core

#pragma once
// ValueInterval: the set of true values a reported result allows.
//
// docs/trial-rules.md: a value with a comparator ("<20", ">=3") denotes an interval; it is flagged or
// graded only when the whole interval lies on one side or in one band. Lab quantities are never
// negative, so "<20" is [0, 20). Because every flag and grade rule is monotone in the value, an
// interval's flag is decided by its two ends, and an open end is a point just beside its bound.
#include <optional>
#include <string_view>

#include "core/decimal.h"

namespace fa::core {

enum class Comparator { None, Less, LessOrEqual, Greater, GreaterOrEqual };

std::optional<Comparator> parseComparator(std::string_view text);  // "", "<", "<=", ">", ">="
std::string_view toString(Comparator c);                           // "" for None

// A point on the line, possibly infinitesimally displaced from `value`, or +infinity.
struct Point {
  enum class Side { Exact, JustBelow, JustAbove, PlusInfinity };
  Decimal value;
  Side side = Side::Exact;
};

// p > t, p >= t, p < t, p <= t for a displaced point.
bool isAbove(const Point& p, const Decimal& t);
bool isAtOrAbove(const Point& p, const Decimal& t);
bool isBelow(const Point& p, const Decimal& t);
bool isAtOrBelow(const Point& p, const Decimal& t);

struct ValueInterval {
  Point lower;
  Point upper;
};

ValueInterval intervalFor(const Decimal& value, Comparator comparator);

}  // namespace fa::core

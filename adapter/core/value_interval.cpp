#include "core/value_interval.h"

namespace fa::core {

std::optional<Comparator> parseComparator(std::string_view text) {
  if (text.empty()) return Comparator::None;
  if (text == "<") return Comparator::Less;
  if (text == "<=") return Comparator::LessOrEqual;
  if (text == ">") return Comparator::Greater;
  if (text == ">=") return Comparator::GreaterOrEqual;
  return std::nullopt;
}

std::string_view toString(Comparator c) {
  switch (c) {
    case Comparator::Less:
      return "<";
    case Comparator::LessOrEqual:
      return "<=";
    case Comparator::Greater:
      return ">";
    case Comparator::GreaterOrEqual:
      return ">=";
    case Comparator::None:
      break;
  }
  return "";
}

// For v- (just below v): v- > t iff v > t, v- < t iff v <= t. For v+ the mirror image.
bool isAbove(const Point& p, const Decimal& t) {
  switch (p.side) {
    case Point::Side::Exact:
      return p.value > t;
    case Point::Side::JustBelow:
      return p.value > t;
    case Point::Side::JustAbove:
      return p.value >= t;
    case Point::Side::PlusInfinity:
      return true;
  }
  return false;
}

bool isAtOrAbove(const Point& p, const Decimal& t) {
  switch (p.side) {
    case Point::Side::Exact:
      return p.value >= t;
    case Point::Side::JustBelow:
      return p.value > t;
    case Point::Side::JustAbove:
      return p.value >= t;
    case Point::Side::PlusInfinity:
      return true;
  }
  return false;
}

bool isBelow(const Point& p, const Decimal& t) {
  return !isAtOrAbove(p, t);
}
bool isAtOrBelow(const Point& p, const Decimal& t) {
  return !isAbove(p, t);
}

ValueInterval intervalFor(const Decimal& value, Comparator comparator) {
  const Point exact{value, Point::Side::Exact};
  const Point zero{Decimal::fromInt(0), Point::Side::Exact};
  // A "<v" with v <= 0 is nonsense for a concentration; keep it a single point rather than
  // inventing an interval that ends before it starts.
  const Point floor = value.isNegative() || value.isZero() ? exact : zero;
  switch (comparator) {
    case Comparator::None:
      return {exact, exact};
    case Comparator::Less:
      return {floor, {value, Point::Side::JustBelow}};
    case Comparator::LessOrEqual:
      return {floor, exact};
    case Comparator::Greater:
      return {{value, Point::Side::JustAbove}, {value, Point::Side::PlusInfinity}};
    case Comparator::GreaterOrEqual:
      return {exact, {value, Point::Side::PlusInfinity}};
  }
  return {exact, exact};
}

}  // namespace fa::core

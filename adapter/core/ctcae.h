#pragma once
// CTCAE v5.0 grading as data: each grade's band starts where a threshold is crossed.
//
// docs/trial-rules.md writes bands as "a-b": a < x <= b for increases and b <= x < a for decreases, so a
// grade g of an increasing criterion applies when x > its threshold (x >= for an inclusive
// threshold); the grade is the highest band crossed once the mildest one is (short of it, x is
// within the normal direction: 0).
// A threshold is a multiple of ULN, LLN or the subject's baseline, or an absolute value, and a
// grade may have several ("<0.25 x LLN or <0.5 g/L": either suffices).
// An interval (comparator) is graded only when both its ends fall in the same band.
#include <optional>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/value_interval.h"

namespace fa::core {

enum class GradeDirection { Increase, Decrease };

struct GradeThreshold {
  enum class Basis { Uln, Lln, Baseline, Absolute };
  Basis basis = Basis::Uln;
  Decimal factor;          // multiple of the basis, or the value itself for Absolute
  bool inclusive = false;  // x >= t (increase) or x <= t (decrease) also crosses it
};

struct GradeBand {
  int grade = 1;
  std::vector<GradeThreshold> any_of;
};

struct GradingScale {
  GradeDirection direction = GradeDirection::Increase;
  std::vector<GradeBand> bands;  // any order; cumulative from grade 1 up
};

// The references a scale may use; a missing one makes the grade unknowable (nullopt).
struct GradeReferences {
  std::optional<Decimal> uln;
  std::optional<Decimal> lln;
  std::optional<Decimal> baseline;
};

std::optional<int> gradePoint(const Point& p, const GradingScale& scale, const GradeReferences& refs);
std::optional<int> gradeInterval(const ValueInterval& interval, const GradingScale& scale, const GradeReferences& refs);

}  // namespace fa::core

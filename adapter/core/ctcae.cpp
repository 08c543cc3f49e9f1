#include "core/ctcae.h"

#include <algorithm>
#include <array>
#include <vector>

namespace fa::core {
namespace {

std::optional<Decimal> thresholdValue(const GradeThreshold& t, const GradeReferences& refs) {
  const std::optional<Decimal>* basis = nullptr;
  switch (t.basis) {
    case GradeThreshold::Basis::Absolute:
      return t.factor;
    case GradeThreshold::Basis::Uln:
      basis = &refs.uln;
      break;
    case GradeThreshold::Basis::Lln:
      basis = &refs.lln;
      break;
    case GradeThreshold::Basis::Baseline:
      basis = &refs.baseline;
      break;
  }
  if (!basis || !*basis) return std::nullopt;
  return (*basis)->times(t.factor);
}

}  // namespace

std::optional<int> gradePoint(const Point& p, const GradingScale& scale, const GradeReferences& refs) {
  // The mildest band is the gate: a value that has not left the normal direction is 0 even when
  // an absolute threshold (ALB "<30 g/L") lies beyond a site's LLN, and a fibrinogen at or above
  // its own low baseline is 0 ("at or above baseline: 0") despite the "<0.5 g/L" alternative.
  // Past the gate the grade is the highest band crossed, not the end of an unbroken run: an
  // absolute alternative ("4: >=75% fall or <0.5 g/L") applies on its own, so a 0.48 g/L after
  // a 0.9 g/L baseline (a 47% fall) is grade 4 (docs/trial-rules.md), not 2.
  // A scale has a handful of bands, ordered on the stack when they fit: every record is graded,
  // and a vector per call was most of grading.
  std::array<const GradeBand*, 8> few{};
  std::vector<const GradeBand*> many(scale.bands.size() > few.size() ? scale.bands.size() : 0);
  const GradeBand** ordered = many.empty() ? few.data() : many.data();
  const std::size_t count = scale.bands.size();
  for (std::size_t i = 0; i < count; ++i)
    ordered[i] = &scale.bands[i];
  std::sort(ordered, ordered + count, [](const GradeBand* a, const GradeBand* b) { return a->grade < b->grade; });
  int grade = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const GradeBand* band = ordered[i];
    bool crossed = false;
    for (const GradeThreshold& t : band->any_of) {
      auto value = thresholdValue(t, refs);
      if (!value) return std::nullopt;
      if (scale.direction == GradeDirection::Increase) {
        crossed = crossed || (t.inclusive ? isAtOrAbove(p, *value) : isAbove(p, *value));
      } else {
        crossed = crossed || (t.inclusive ? isAtOrBelow(p, *value) : isBelow(p, *value));
      }
    }
    if (!crossed && i == 0) return 0;
    if (crossed) grade = std::max(grade, band->grade);
  }
  return grade;
}

std::optional<int> gradeInterval(const ValueInterval& interval, const GradingScale& scale, const GradeReferences& refs) {
  auto lower = gradePoint(interval.lower, scale, refs);
  // A result without a comparator is one point: graded once.
  const bool onePoint = interval.lower.side == interval.upper.side && interval.lower.value == interval.upper.value;
  auto upper = onePoint ? lower : gradePoint(interval.upper, scale, refs);
  if (!lower || !upper || *lower != *upper) return std::nullopt;
  return lower;
}

}  // namespace fa::core

#include "core/selection.h"

#include <cstdlib>

namespace fa::core {

bool representsVisitBetter(const SelectionCandidate& a, const SelectionCandidate& b, StudyDay target_day) {
  const int da = std::abs(a.study_day - target_day);
  const int db = std::abs(b.study_day - target_day);
  if (da != db) return da < db;
  // A missing time sorts before any time: "later" prefers the one that has it.
  if (a.collected != b.collected) return a.collected > b.collected;
  if (a.last_updated != b.last_updated) return a.last_updated > b.last_updated;
  return a.id > b.id;
}

}  // namespace fa::core

#pragma once
// Selection: which of several results represents a subject's visit for one analyte.
//
// docs/trial-rules.md: the eligible value closest to the visit's target day (for BASELINE: closest to
// day 1); ties go to the later collection time, then the later meta.lastUpdated, then the
// greater resource id (as a string).
#include <cstdint>
#include <optional>
#include <string>

#include "core/study_time.h"

namespace fa::core {

struct SelectionCandidate {
  StudyDay study_day = 0;
  std::optional<std::int64_t> collected;     // instant, microseconds
  std::optional<std::int64_t> last_updated;  // instant, microseconds
  std::string id;
};

// True when a represents the visit better than b.
bool representsVisitBetter(const SelectionCandidate& a, const SelectionCandidate& b, StudyDay target_day);

}  // namespace fa::core

#pragma once
// Study time: study days and visit windows.
//
// docs/trial-rules.md: day 1 is the date of the first infusion; a date on or after it is
// date - dose1 + 1, a date before it is date - dose1: there is no day 0. A value outside every
// visit window is UNSCHEDULED.
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.h"

namespace fa::core {

using StudyDay = int;

StudyDay studyDay(DayNumber date, DayNumber dose1);

struct VisitWindow {
  std::string name;
  StudyDay target_day = 1;
  StudyDay first_day = 1;  // inclusive
  StudyDay last_day = 1;   // inclusive
  bool baseline = false;
};

inline constexpr const char* kUnscheduledVisit = "UNSCHEDULED";

class VisitSchedule {
 public:
  VisitSchedule() = default;
  explicit VisitSchedule(std::vector<VisitWindow> windows) : windows_(std::move(windows)) {}
  // The window holding the day; windows never overlap (checked when mappings load).
  const VisitWindow* windowFor(StudyDay day) const;
  const std::vector<VisitWindow>& windows() const { return windows_; }

 private:
  std::vector<VisitWindow> windows_;
};

}  // namespace fa::core

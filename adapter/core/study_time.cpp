#include "core/study_time.h"

namespace fa::core {

StudyDay studyDay(DayNumber date, DayNumber dose1) {
  return date >= dose1 ? date - dose1 + 1 : date - dose1;
}

const VisitWindow* VisitSchedule::windowFor(StudyDay day) const {
  for (const VisitWindow& w : windows_) {
    if (day >= w.first_day && day <= w.last_day) return &w;
  }
  return nullptr;
}

}  // namespace fa::core

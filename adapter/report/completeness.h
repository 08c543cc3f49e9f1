#pragma once
// The completeness to-do list for data managers: per subject and visit, the outcome analytes
// without a selected record once the visit's window has closed, and the windows closing within
// the next `due_days` days with what they still lack. "Today" (`as_of`) is passed in: the CLI's
// --as-of, default the current date in the site's time zone.
#include <string>
#include <vector>

#include "report/cohort_index.h"

namespace fa::report {

struct CompletenessItem {
  std::string subject_id;
  std::string visit;
  std::string window_opens, window_closes;  // YYYY-MM-DD, inclusive
  bool closed = false;                      // else closing within due_days
  int days_left = 0;                        // closing only: window_closes - as_of
  std::vector<std::string> missing;         // outcome analytes without a selected record
};

struct Completeness {
  std::string as_of;
  int due_days = 14;
  std::vector<CompletenessItem> items;     // subject, then visit order
  std::vector<std::string> without_dose1;  // subjects whose visits cannot be placed
};

// The calendar date of a study day (no day 0: day 1 is dose1, day -1 the day before).
core::DayNumber dateOfStudyDay(core::DayNumber dose1, core::StudyDay day);

Completeness completeness(const CohortIndex& cohort, const mapping::TrialConfig& trial, core::DayNumber as_of, int due_days);

}  // namespace fa::report

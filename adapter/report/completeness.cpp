#include "report/completeness.h"

#include "report/shift_tables.h"

namespace fa::report {

core::DayNumber dateOfStudyDay(core::DayNumber dose1, core::StudyDay day) {
  return day > 0 ? dose1 + day - 1 : dose1 + day;
}

namespace {

std::vector<std::string> missingAt(const SubjectRecords& s, std::size_t visit, const mapping::TrialConfig& trial,
                                   const std::vector<std::size_t>& analytes) {
  std::vector<std::string> missing;
  for (std::size_t a : analytes)
    if (!s.selected[visit][a]) missing.push_back(trial.analytes[a].code);
  return missing;
}

}  // namespace

Completeness completeness(const CohortIndex& cohort, const mapping::TrialConfig& trial, core::DayNumber as_of, int due_days) {
  Completeness out;
  out.as_of = core::formatIsoDate(as_of);
  out.due_days = due_days;
  const std::vector<std::size_t> analytes = outcomeAnalytes(trial);
  const std::vector<core::VisitWindow>& windows = trial.visits.windows();
  for (const SubjectRecords& s : cohort.subjects) {
    if (!s.dose1) {
      out.without_dose1.push_back(s.subject_id);
      continue;
    }
    for (std::size_t v = 0; v < windows.size(); ++v) {
      const core::DayNumber opens = dateOfStudyDay(*s.dose1, windows[v].first_day);
      const core::DayNumber closes = dateOfStudyDay(*s.dose1, windows[v].last_day);
      const bool closed = closes < as_of;
      if (!closed && closes > as_of + due_days) continue;
      std::vector<std::string> missing = missingAt(s, v, trial, analytes);
      if (missing.empty()) continue;
      out.items.push_back({s.subject_id, windows[v].name, core::formatIsoDate(opens), core::formatIsoDate(closes), closed,
                           closed ? 0 : closes - as_of, std::move(missing)});
    }
  }
  return out;
}

}  // namespace fa::report

#include "report/cohort_index.h"

#include <algorithm>
#include <map>

namespace fa::report {

std::optional<std::size_t> CohortIndex::visitIndex(std::string_view name) const {
  for (std::size_t i = 0; i < visits.size(); ++i)
    if (visits[i] == name) return i;
  return std::nullopt;
}

const SubjectRecords* CohortIndex::subject(std::string_view id) const {
  auto it = std::lower_bound(subjects.begin(), subjects.end(), id,
                             [](const SubjectRecords& s, std::string_view key) { return s.subject_id < key; });
  return it != subjects.end() && it->subject_id == id ? &*it : nullptr;
}

bool isUsableStatus(std::string_view status) {
  return status == "final" || status == "amended" || status == "corrected";
}

std::optional<core::DayNumber> inferDose1(const engine::OutcomeRecord& record) {
  if (!record.effective || !record.study_day) return std::nullopt;
  std::optional<core::DayNumber> date = core::parseIsoDate(*record.effective);
  if (!date) return std::nullopt;
  const int day = *record.study_day;
  return day > 0 ? *date - (day - 1) : *date - day;
}

CohortIndex indexCohort(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial,
                        const std::map<std::string, std::optional<core::DayNumber>>& roster_dose1) {
  CohortIndex index;
  for (const core::VisitWindow& w : trial.visits.windows()) {
    if (w.baseline && !index.baseline_visit) index.baseline_visit = index.visits.size();
    index.visits.push_back(w.name);
  }
  std::map<std::string, SubjectRecords, std::less<>> bySubject;
  auto subjectFor = [&](const std::string& id) -> SubjectRecords& {
    auto [it, added] = bySubject.try_emplace(id);
    if (added) {
      it->second.subject_id = id;
      it->second.selected.assign(index.visits.size(), std::vector<const engine::OutcomeRecord*>(trial.analytes.size()));
    }
    return it->second;
  };
  for (const auto& [id, dose1] : roster_dose1) {
    SubjectRecords& s = subjectFor(id);
    s.on_roster = true;
    s.dose1 = dose1;
  }
  std::map<std::string, std::size_t, std::less<>> visitByName;
  for (std::size_t v = 0; v < index.visits.size(); ++v)
    visitByName.emplace(index.visits[v], v);
  for (const engine::OutcomeRecord& r : records) {
    SubjectRecords& s = subjectFor(r.subject_id);
    s.records.push_back(&r);
    if (!s.on_roster && !s.dose1) s.dose1 = inferDose1(r);
    if (!r.selected) continue;
    auto visit = visitByName.find(r.visit);
    std::optional<std::size_t> analyte = trial.analyteIndex(r.analyte);
    if (visit == visitByName.end() || !analyte) continue;
    s.selected[visit->second][*analyte] = &r;
  }
  index.subjects.reserve(bySubject.size());
  for (auto& [id, s] : bySubject)
    index.subjects.push_back(std::move(s));
  return index;
}

}  // namespace fa::report

#include "report/shift_tables.h"

#include <algorithm>
#include <optional>

#include "report/outcome_counts.h"

namespace fa::report {

std::vector<std::pair<std::string, std::string>> shiftPairs(const CohortIndex& cohort,
                                                            const std::vector<std::pair<std::string, std::string>>& extra,
                                                            std::string* problem) {
  std::vector<std::pair<std::string, std::string>> pairs;
  if (cohort.baseline_visit && cohort.visits.size() > 1)
    pairs.emplace_back(cohort.visits[*cohort.baseline_visit], cohort.visits.back());
  for (const auto& p : extra) {
    for (const std::string* name : {&p.first, &p.second}) {
      if (!cohort.visitIndex(*name)) {
        if (problem) *problem = "--shift: \"" + *name + "\" is not a visit of trial.json";
        return {};
      }
    }
    if (std::find(pairs.begin(), pairs.end(), p) == pairs.end()) pairs.push_back(p);
  }
  return pairs;
}

std::vector<std::size_t> outcomeAnalytes(const mapping::TrialConfig& trial) {
  std::vector<bool> used(trial.analytes.size(), false);
  for (const mapping::OutcomeDefinition& o : trial.outcomes)
    for (const auto& c : o.abnormal_when)
      used[c.analyte] = true;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < used.size(); ++i)
    if (used[i]) out.push_back(i);
  return out;
}

namespace {

// nullopt: not assessed at that visit; else abnormal or not.
std::optional<bool> abnormalAt(const SubjectRecords& s, const mapping::OutcomeDefinition& o, std::size_t visit) {
  std::optional<bool> result;
  for (const auto& c : o.abnormal_when) {
    const engine::OutcomeRecord* r = s.selected[visit][c.analyte];
    if (!r) continue;
    result = result.value_or(false) || conditionMatches(c, r->flag);
  }
  return result;
}

std::optional<int> shiftIndex(std::optional<core::Flag> flag) {
  if (!flag) return std::nullopt;
  switch (*flag) {
    case core::Flag::Low:
      return 0;
    case core::Flag::Normal:
      return 1;
    case core::Flag::High:
      return 2;
    case core::Flag::Indeterminate:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::vector<OutcomeShift> outcomeShifts(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<OutcomeShift> out;
  for (const auto& [from, to] : pairs) {
    const std::size_t a = *cohort.visitIndex(from), b = *cohort.visitIndex(to);
    for (const mapping::OutcomeDefinition& o : trial.outcomes) {
      OutcomeShift shift;
      shift.outcome = o.id, shift.from_visit = from, shift.to_visit = to;
      for (const SubjectRecords& s : cohort.subjects) {
        std::optional<bool> first = abnormalAt(s, o, a), second = abnormalAt(s, o, b);
        if (!first || !second) continue;
        ++shift.subjects;
        int& cell = *first ? (*second ? shift.abnormal_to_abnormal : shift.abnormal_to_normal)
                           : (*second ? shift.normal_to_abnormal : shift.normal_to_normal);
        ++cell;
      }
      out.push_back(shift);
    }
  }
  return out;
}

std::vector<AnalyteShift> analyteShifts(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<AnalyteShift> out;
  for (const auto& [from, to] : pairs) {
    const std::size_t a = *cohort.visitIndex(from), b = *cohort.visitIndex(to);
    for (std::size_t analyte : outcomeAnalytes(trial)) {
      AnalyteShift shift;
      shift.analyte = trial.analytes[analyte].code, shift.from_visit = from, shift.to_visit = to;
      for (const SubjectRecords& s : cohort.subjects) {
        const engine::OutcomeRecord *first = s.selected[a][analyte], *second = s.selected[b][analyte];
        if (!first || !second) continue;
        std::optional<int> i = shiftIndex(first->flag), j = shiftIndex(second->flag);
        if (!i || !j) continue;  // a selected record is never indeterminate; guard anyway
        ++shift.counts[*i][*j];
        ++shift.subjects;
      }
      out.push_back(shift);
    }
  }
  return out;
}

}  // namespace fa::report

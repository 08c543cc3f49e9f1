#include "report/report_model.h"

#include <map>

namespace fa::report {
namespace {

RecordCounts countRecords(const engine::OutcomeRecords& records, const CohortIndex& cohort) {
  RecordCounts c;
  c.records = records.size();
  c.subjects = cohort.subjects.size();
  for (const engine::OutcomeRecord& r : records) {
    if (r.selected) ++c.selected;
    if (r.status == "retracted")
      ++c.retracted;
    else if (!isUsableStatus(r.status))
      ++c.not_usable;
  }
  return c;
}

std::string observationId(std::string_view reference) {
  // "Observation/{id}/_history/{v}" -> "{id}"
  constexpr std::string_view prefix = "Observation/";
  if (reference.substr(0, prefix.size()) == prefix) reference.remove_prefix(prefix.size());
  return std::string(reference.substr(0, reference.find('/')));
}

std::vector<ReviewRow> reviewRows(const std::vector<ReviewerDecision>& reviews, const engine::OutcomeRecords& records,
                                  int* applied) {
  std::map<std::string, const engine::OutcomeRecord*> byId;
  if (reviews.empty()) return {};
  for (const engine::OutcomeRecord& r : records)
    byId[observationId(r.observation)] = &r;
  std::vector<ReviewRow> rows;
  for (const ReviewerDecision& d : reviews) {
    ReviewRow row;
    row.decision = d;
    auto it = byId.find(observationId(d.observation));
    if (it == byId.end()) {
      row.status = "no record";
    } else {
      row.current_flag = it->second->flag ? std::string(core::toString(*it->second->flag)) : "";
      row.status = it->second->observation == d.observation ? "applied" : "superseded";
      if (row.status == "applied" && d.decision == "overridden") ++*applied;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::optional<Report> buildReport(const ReportInput& input, std::string* problem) {
  const mapping::TrialConfig& trial = *input.trial;
  const engine::OutcomeRecords& records = *input.records;
  const CohortIndex cohort = indexCohort(records, trial, input.roster_dose1);
  std::string shiftProblem;
  const auto pairs = shiftPairs(cohort, input.shifts, &shiftProblem);
  if (!shiftProblem.empty()) {
    *problem = shiftProblem;
    return std::nullopt;
  }
  Report r;
  r.trial_id = trial.trial_id;
  r.source = input.source;
  r.as_of = core::formatIsoDate(input.as_of);
  r.counts = countRecords(records, cohort);
  r.visits = cohort.visits;
  const OverrideLookup overrides(input.reviews);
  r.outcomes = countOutcomes(cohort, trial, overrides);
  r.outcome_shifts = outcomeShifts(cohort, trial, pairs);
  r.analyte_shifts = analyteShifts(cohort, trial, pairs);
  r.hbv_dna = hbvDnaChanges(cohort, trial);
  r.worst_grades = worstGrades(cohort, trial);
  r.scores = liverScores(cohort, trial);
  r.pt_prolongation = ptProlongationCheck(cohort, trial, input.screening);
  r.albumin_infusion = albuminInfusionCheck(cohort, input.screening, input.albumin_infusions, input.infusions_read);
  r.completeness = completeness(cohort, trial, input.as_of, input.due_days);
  r.reviews_read = input.reviews_read;
  r.reviews = reviewRows(input.reviews, records, &r.overrides_applied);
  return r;
}

}  // namespace fa::report

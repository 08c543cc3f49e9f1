#include "report/hbv_dna_change.h"

#include <algorithm>
#include <cmath>

namespace fa::report {

std::optional<long double> interpolatedQuantile(const std::vector<long double>& sorted, long double q) {
  if (sorted.empty()) return std::nullopt;
  const long double position = q * static_cast<long double>(sorted.size() - 1);
  const auto k = static_cast<std::size_t>(std::floor(position));
  const long double f = position - static_cast<long double>(k);
  if (k + 1 >= sorted.size()) return sorted.back();
  return sorted[k] + f * (sorted[k + 1] - sorted[k]);
}

std::optional<long double> countedLog10(const engine::OutcomeRecord& record, bool* censored) {
  *censored = record.flag == core::Flag::Normal;
  if (*censored) {
    if (!record.range.high || record.range.high->isNegative() || record.range.high->isZero()) return std::nullopt;
    return std::log10(record.range.high->toLongDouble());
  }
  // Quantified: the value itself (">1.70E+08" counts as its bound, the most a rise can be known).
  if (!record.value || record.value->isNegative() || record.value->isZero()) return std::nullopt;
  return std::log10(record.value->toLongDouble());
}

std::optional<std::size_t> hbvAnalyte(const mapping::TrialConfig& trial) {
  for (std::size_t i = 0; i < trial.analytes.size(); ++i)
    if (trial.analytes[i].flag_rule == core::FlagRule::QuantifiedAtOrAboveHigh) return i;
  return std::nullopt;
}

namespace {

HbvDnaVisit changesAt(const CohortIndex& cohort, std::size_t analyte, const std::string& code, std::size_t visit) {
  HbvDnaVisit row;
  row.analyte = code;
  row.visit = cohort.visits[visit];
  std::vector<long double> values;
  for (const SubjectRecords& s : cohort.subjects) {
    const engine::OutcomeRecord* at = s.selected[visit][analyte];
    if (!at) continue;
    ++row.subjects;
    bool censoredVisit = false, censoredBaseline = false;
    std::optional<long double> later = countedLog10(*at, &censoredVisit);
    if (censoredVisit) ++row.below_lloq;
    const engine::OutcomeRecord* base = s.selected[*cohort.baseline_visit][analyte];
    if (!base || !later) continue;
    std::optional<long double> first = countedLog10(*base, &censoredBaseline);
    if (!first) continue;
    row.changes.push_back({s.subject_id, *later - *first, censoredBaseline, censoredVisit});
    values.push_back(*later - *first);
  }
  row.change_subjects = static_cast<int>(values.size());
  std::sort(values.begin(), values.end());
  row.median = interpolatedQuantile(values, 0.5L);
  row.q1 = interpolatedQuantile(values, 0.25L);
  row.q3 = interpolatedQuantile(values, 0.75L);
  return row;
}

}  // namespace

std::vector<HbvDnaVisit> hbvDnaChanges(const CohortIndex& cohort, const mapping::TrialConfig& trial) {
  std::vector<HbvDnaVisit> out;
  std::optional<std::size_t> analyte = hbvAnalyte(trial);
  if (!analyte || !cohort.baseline_visit) return out;
  for (std::size_t v = *cohort.baseline_visit + 1; v < cohort.visits.size(); ++v)
    out.push_back(changesAt(cohort, *analyte, trial.analytes[*analyte].code, v));
  return out;
}

}  // namespace fa::report

#include "report/outcome_counts.h"

#include <algorithm>

namespace fa::report {

std::optional<int> percentTenths(int numerator, int denominator) {
  if (denominator <= 0) return std::nullopt;
  // round(1000 n / d) half up = floor((2000 n + d) / 2d); n, d >= 0
  const long long n = numerator, d = denominator;
  return static_cast<int>((2000 * n + d) / (2 * d));
}

bool conditionMatches(const mapping::OutcomeDefinition::Condition& c, std::optional<core::Flag> flag) {
  if (!flag || *flag == core::Flag::Indeterminate) return false;
  return std::find(c.flags.begin(), c.flags.end(), *flag) != c.flags.end();
}

OverrideLookup::OverrideLookup(const std::vector<ReviewerDecision>& reviews) {
  for (const ReviewerDecision& r : reviews) {
    if (r.decision != "overridden") continue;
    if (std::optional<core::Flag> f = core::parseFlag(r.override_flag)) by_observation_[r.observation] = *f;
  }
}

std::optional<core::Flag> OverrideLookup::overrideFor(const engine::OutcomeRecord& record) const {
  // Only the reviewed version: a newer version of the result is a new fact the reviewer has not
  // seen, so an older override does not carry over to it.
  auto it = by_observation_.find(record.observation);
  if (it == by_observation_.end()) return std::nullopt;
  return it->second;
}

namespace {

OutcomeCount countOne(const CohortIndex& cohort, const mapping::TrialConfig& trial, const mapping::OutcomeDefinition& o,
                      std::size_t visit, const OverrideLookup& overrides) {
  OutcomeCount c;
  c.outcome = o.id;
  c.label = o.label;
  c.visit = cohort.visits[visit];
  std::vector<int> byComponent(o.abnormal_when.size(), 0);
  for (const SubjectRecords& s : cohort.subjects) {
    bool assessed = false, abnormal = false, abnormalReviewed = false;
    for (std::size_t i = 0; i < o.abnormal_when.size(); ++i) {
      const engine::OutcomeRecord* r = s.selected[visit][o.abnormal_when[i].analyte];
      if (!r) continue;
      assessed = true;
      const bool hit = conditionMatches(o.abnormal_when[i], r->flag);
      std::optional<core::Flag> reviewed = overrides.overrideFor(*r);
      if (reviewed) ++c.overrides_applied;
      if (hit) ++byComponent[i];
      abnormal = abnormal || hit;
      abnormalReviewed = abnormalReviewed || conditionMatches(o.abnormal_when[i], reviewed ? reviewed : r->flag);
    }
    if (!assessed) continue;
    ++c.assessed;
    if (abnormal) ++c.abnormal;
    if (abnormalReviewed) ++c.abnormal_with_overrides;
  }
  c.percent_tenths = percentTenths(c.abnormal, c.assessed);
  for (std::size_t i = 0; i < o.abnormal_when.size(); ++i)
    c.components.emplace_back(trial.analytes[o.abnormal_when[i].analyte].code, byComponent[i]);
  return c;
}

}  // namespace

std::vector<OutcomeCount> countOutcomes(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const OverrideLookup& overrides) {
  std::vector<OutcomeCount> out;
  for (const mapping::OutcomeDefinition& o : trial.outcomes)
    for (std::size_t v = 0; v < cohort.visits.size(); ++v)
      out.push_back(countOne(cohort, trial, o, v, overrides));
  return out;
}

}  // namespace fa::report

#pragma once
// Outcome counts (docs/trial-rules.md, "Outcome measures"): per outcome of
// fhir-mappings/outcomes.json and visit, subjects assessed (a selected record of at least one of
// the outcome's analytes) and abnormal (one of those records has a flag the outcome lists), the
// percent, which analytes drove the abnormal count, and beside it the same count with reviewer
// overrides applied (never replacing the first).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/cohort_index.h"
#include "report/report_input.h"

namespace fa::report {

struct OutcomeCount {
  std::string outcome;  // outcomes.json id
  std::string label;
  std::string visit;
  int assessed = 0;
  int abnormal = 0;
  std::optional<int> percent_tenths;  // abnormal / assessed x 1000, half up; nullopt when none assessed
  // analyte code -> subjects abnormal through it (a subject abnormal through two counts in both)
  std::vector<std::pair<std::string, int>> components;
  int abnormal_with_overrides = 0;  // the same count, the reviewers' flags replacing the records'
  int overrides_applied = 0;        // overrides on this outcome's selected records at this visit
};

// abnormal / assessed x 100 in tenths, rounded half up (exact integer arithmetic).
std::optional<int> percentTenths(int numerator, int denominator);

// Is this flag one the condition lists? (an indeterminate flag never is, docs/trial-rules.md)
bool conditionMatches(const mapping::OutcomeDefinition::Condition& c, std::optional<core::Flag> flag);

// The reviewer's flag for a record when an override of exactly this version applies.
class OverrideLookup {
 public:
  explicit OverrideLookup(const std::vector<ReviewerDecision>& reviews);
  std::optional<core::Flag> overrideFor(const engine::OutcomeRecord& record) const;

 private:
  std::map<std::string, core::Flag, std::less<>> by_observation_;
};

std::vector<OutcomeCount> countOutcomes(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const OverrideLookup& overrides);

}  // namespace fa::report

#pragma once
// Shift tables (docs/trial-rules.md, "Outcome measures"): between two visits, per outcome, how
// subjects assessed at both moved between abnormal and normal ("normal" = assessed and not
// abnormal); per outcome analyte, the 3x3 table of selected flags low/normal/high at the first
// visit against the second, among subjects with a selected record at both.
#include <array>
#include <string>
#include <vector>

#include "report/cohort_index.h"

namespace fa::report {

struct OutcomeShift {
  std::string outcome;
  std::string from_visit, to_visit;
  int subjects = 0;
  int abnormal_to_normal = 0, normal_to_abnormal = 0, abnormal_to_abnormal = 0, normal_to_normal = 0;
};

// counts[from][to], index 0 low, 1 normal, 2 high
struct AnalyteShift {
  std::string analyte;
  std::string from_visit, to_visit;
  std::array<std::array<int, 3>, 3> counts{};
  int subjects = 0;
};
inline constexpr std::array<const char*, 3> kShiftFlags = {"low", "normal", "high"};

// The default pair BASELINE -> last visit (the primary endpoint, W72), then the pairs asked
// for, without repeats; each name must be a visit of the schedule (else `problem`).
std::vector<std::pair<std::string, std::string>> shiftPairs(const CohortIndex& cohort,
                                                            const std::vector<std::pair<std::string, std::string>>& extra,
                                                            std::string* problem);

// Analytes named by any outcome, in analytes.json order.
std::vector<std::size_t> outcomeAnalytes(const mapping::TrialConfig& trial);

std::vector<OutcomeShift> outcomeShifts(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const std::vector<std::pair<std::string, std::string>>& pairs);
std::vector<AnalyteShift> analyteShifts(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const std::vector<std::pair<std::string, std::string>>& pairs);

}  // namespace fa::report

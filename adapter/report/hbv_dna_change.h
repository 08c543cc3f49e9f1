#pragma once
// HBV DNA change from baseline (docs/trial-rules.md, "Outcome measures"): per visit after
// baseline, log10(IU/mL) of the selected record minus log10 of the selected baseline, for
// subjects with both. A result below the LLOQ or not detected counts as log10(LLOQ), the LLOQ
// being the record's own `ref_high` (so a fall is never overstated). Median and quartiles by
// linear interpolation between order statistics (numpy's and R's default).
//
// The analyte is the one flagged by the LLOQ rule (FlagRule::QuantifiedAtOrAboveHigh in
// fhir-mappings/analytes.json): no analyte code is written here.
#include <optional>
#include <string>
#include <vector>

#include "report/cohort_index.h"

namespace fa::report {

inline constexpr const char* kHbvCensoringRule =
    "a result below the LLOQ or not detected counts as log10(LLOQ) of its assay (the record's ref_high), "
    "so a fall is never overstated";

struct HbvSubjectChange {
  std::string subject_id;
  long double change = 0;          // log10 at the visit minus log10 at baseline
  bool censored_baseline = false;  // baseline below the LLOQ or not detected
  bool censored_visit = false;
};

struct HbvDnaVisit {
  std::string analyte;
  std::string visit;
  int subjects = 0;    // with a selected record at this visit
  int below_lloq = 0;  // of them, below the LLOQ or not detected
  int change_subjects = 0;
  std::optional<long double> median, q1, q3;
  std::vector<HbvSubjectChange> changes;  // subject order
};

// x[k] + f (x[k+1] - x[k]) where k + f = q (n - 1), over `sorted` (ascending); nullopt when empty.
std::optional<long double> interpolatedQuantile(const std::vector<long double>& sorted, long double q);

// log10 of the value a record counts as: the value when quantified, log10(LLOQ) when below it
// or not detected; nullopt when neither is known (no number and no LLOQ).
std::optional<long double> countedLog10(const engine::OutcomeRecord& record, bool* censored);

// The LLOQ-rule analyte, or nullopt when the mappings have none (then there is no HBV DNA table).
std::optional<std::size_t> hbvAnalyte(const mapping::TrialConfig& trial);

std::vector<HbvDnaVisit> hbvDnaChanges(const CohortIndex& cohort, const mapping::TrialConfig& trial);

}  // namespace fa::report

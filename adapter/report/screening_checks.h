#pragma once
// Screening checks shown to monitors, never changing data (docs/trial-rules.md "Supporting
// analytes, scores and screening checks"). PT prolongation: the screening (BASELINE-window, selected) PT minus the site's
// control PT; more than the setting's maximum is the exclusion criterion "PT prolongation > N s".
//
// Albumin infusion within N days (the second check) needs MedicationAdministration /
// MedicationRequest data, which this build does not read: `albuminInfusionCheck` is the seam
// where a typed reader of stored infusions plugs in; until then the report says it was not run.
#include <optional>
#include <string>
#include <vector>

#include "report/cohort_index.h"
#include "report/report_input.h"

namespace fa::report {

struct PtProlongationResult {
  std::string subject_id;
  std::string observation;                    // the screening PT record, "" when none
  std::optional<core::Decimal> pt_seconds;    // its value
  std::optional<core::Decimal> prolongation;  // PT minus control, seconds
  bool exclusion = false;                     // prolongation > max
  std::string note;                           // why not evaluable, or the criterion met
};

struct PtProlongationCheck {
  bool configured = false;
  std::string analyte;
  core::Decimal control_seconds, max_prolongation_seconds;
  std::vector<PtProlongationResult> subjects;  // every subject
  int exclusions = 0;
};
std::string ptCriterionText(const PtProlongationCheck& check);  // "exclusion criterion: PT prolongation > 3 s"

PtProlongationCheck ptProlongationCheck(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const ScreeningSettings& settings);

struct AlbuminInfusionCheck {
  std::optional<int> lookback_days;
  bool run = false;  // false: no infusion data read (this build)
  std::string note;
};
AlbuminInfusionCheck albuminInfusionCheck(const ScreeningSettings& settings);

}  // namespace fa::report

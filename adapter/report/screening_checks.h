#pragma once
// Screening checks shown to monitors, never changing data (docs/trial-rules.md "Supporting
// analytes, scores and screening checks"). PT prolongation: the screening (BASELINE-window, selected) PT minus the site's
// control PT; more than the setting's maximum is the exclusion criterion "PT prolongation > N s".
//
// Albumin infusion within N days: an albumin result dated 0 to N days after a stored human
// albumin infusion of the same subject is "possibly confounded by albumin infusion"; one taken
// on or before day 1 (before dose 1: the BASELINE window ends on day 1) is also a screening
// finding. Dates are site dates without times, so an infusion on the result's own day counts.
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

// One albumin result with an infusion in the look-back window before it.
struct ConfoundedAlbumin {
  std::string subject_id;
  std::string observation;
  std::string date;  // the result's effective date
  std::optional<core::StudyDay> study_day;
  std::string visit;
  bool selected = false;
  std::string value;          // "30", "<20", "" (as printed, with its comparator)
  std::string infusion;       // the latest infusion on or before the result's date
  std::string infusion_date;  // its date
  int days_after = 0;         // result date minus infusion date (0..lookback)
  int infusions = 0;          // infusions of the subject within the window
  bool screening = false;     // study day <= 1: a screening finding
};

inline constexpr const char* kConfoundedText = "possibly confounded by albumin infusion";

struct AlbuminInfusionCheck {
  std::optional<int> lookback_days;
  std::string analyte;
  bool run = false;                                // false: not configured, or no infusion data read (records files)
  std::vector<engine::AlbuminInfusion> infusions;  // every infusion read, subject then date order
  std::vector<ConfoundedAlbumin> results;          // subject, then date order
  int screening_findings = 0;
  std::string note;
};
AlbuminInfusionCheck albuminInfusionCheck(const CohortIndex& cohort, const ScreeningSettings& settings,
                                          const std::vector<engine::AlbuminInfusion>& infusions, bool infusions_read);

}  // namespace fa::report

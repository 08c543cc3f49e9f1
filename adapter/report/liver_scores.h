#pragma once
// Derived liver scores per subject and visit, from that visit's selected records
// (docs/trial-rules.md "Supporting analytes, scores and screening checks"): MELD (OPTN, original), MELD-Na (OPTN 2016) and
// the laboratory points of Child-Pugh. A score needs every input at that visit; a missing input,
// a comparator value or an unexpected unit makes it not computable, naming the analyte.
//
// Inputs are read by analyte code, CREA, NA, BILI, INR, ALB: these are the formulas' own
// quantities (clinical conventions, not trial settings). A code the mappings do not define is a
// missing input, so the scores degrade to "not computable" rather than failing.
#include <optional>
#include <string>
#include <vector>

#include "report/cohort_index.h"

namespace fa::report {

inline constexpr const char* kMeldNote =
    "MELD assumes no dialysis (dialysis, which sets creatinine to 4.0 mg/dL, is not known from labs)";
inline constexpr const char* kChildPughNote =
    "Child-Pugh: laboratory points only (bilirubin, albumin, INR); class not computable from labs "
    "(needs ascites and encephalopathy grades)";

struct ScoreInput {
  std::string analyte;
  std::string observation;
  core::Decimal value;  // standardised, in `unit`
  std::string unit;
};

struct MissingInput {
  std::string analyte;
  std::string why;  // "no selected record", "not in fhir-mappings", "comparator value", ...
};

struct LiverScores {
  std::string subject_id;
  std::string visit;
  std::optional<int> meld, meld_na, child_pugh_lab_points;
  std::vector<ScoreInput> records;                                             // the selected records used (any score)
  std::vector<MissingInput> missing;                                           // inputs a score needed and could not use
  std::vector<std::string> meld_missing, meld_na_missing, child_pugh_missing;  // analyte codes
};

// MELD from creatinine and bilirubin in umol/L and INR: each converted to mg/dL (/ 88.4, / 17.1),
// floored at 1.0, creatinine capped at 4.0; 0.957 ln Cr + 0.378 ln Bili + 1.120 ln INR + 0.643,
// rounded to one decimal, times 10. `unbounded` is that value before the 6 - 40 bounds.
int meldScore(const core::Decimal& creatinine_umol, const core::Decimal& bilirubin_umol, const core::Decimal& inr,
              int* unbounded = nullptr);
// MELD-Na from the unbounded MELD and sodium (bounded to 125 - 137 mmol/L); above 11 only.
int meldNaScore(int meld_unbounded, const core::Decimal& sodium_mmol);
// 1-3 points each: bilirubin (umol/L) < 34.2, 34.2-51.3, > 51.3; albumin (g/L) > 35, 28-35, < 28;
// INR < 1.7, 1.7-2.3, > 2.3.
int childPughLabPoints(const core::Decimal& bilirubin_umol, const core::Decimal& albumin_g_l, const core::Decimal& inr);

LiverScores liverScoresAt(const SubjectRecords& subject, std::size_t visit, const std::string& visit_name,
                          const mapping::TrialConfig& trial);
// Every subject x visit.
std::vector<LiverScores> liverScores(const CohortIndex& cohort, const mapping::TrialConfig& trial);

}  // namespace fa::report

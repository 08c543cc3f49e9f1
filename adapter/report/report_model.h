#pragma once
// The whole report as typed values: every table of docs/trial-rules.md "Outcome measures",
// the derived scores, the screening checks and the completeness list, computed from a
// ReportInput. The renderers (json, text, csv) only format these values.
#include <optional>
#include <string>
#include <vector>

#include "report/completeness.h"
#include "report/hbv_dna_change.h"
#include "report/liver_scores.h"
#include "report/outcome_counts.h"
#include "report/report_input.h"
#include "report/screening_checks.h"
#include "report/shift_tables.h"
#include "report/worst_grades.h"

namespace fa::report {

struct RecordCounts {
  std::size_t records = 0, subjects = 0, selected = 0, retracted = 0, not_usable = 0;
};

// A reviewer decision as the report shows it, beside the record it annotates.
struct ReviewRow {
  ReviewerDecision decision;
  // applied: the reviewed version is the current record; superseded: the result has a newer
  // version since (an override then no longer applies); no record: not among these records.
  std::string status;
  std::string current_flag;  // the record's flag now ("" when no record or null)
};

struct Report {
  std::string trial_id;
  ReportSource source;
  std::string as_of;
  RecordCounts counts;
  std::vector<std::string> visits;
  std::vector<OutcomeCount> outcomes;
  std::vector<OutcomeShift> outcome_shifts;
  std::vector<AnalyteShift> analyte_shifts;
  std::vector<HbvDnaVisit> hbv_dna;
  std::vector<WorstGrades> worst_grades;
  std::vector<LiverScores> scores;
  PtProlongationCheck pt_prolongation;
  AlbuminInfusionCheck albumin_infusion;
  Completeness completeness;
  bool reviews_read = false;
  std::vector<ReviewRow> reviews;
  int overrides_applied = 0;  // overrides whose reviewed version is current
};

// nullopt with `problem` set when the input asks for something the trial does not have (a
// --shift visit that is not in trial.json).
std::optional<Report> buildReport(const ReportInput& input, std::string* problem);

}  // namespace fa::report

#pragma once
// What a report is computed from: the trial, its records, and what the CLI read beside them
// (reviewer decisions, screening settings, the roster's first-dose dates, the report date).
// Plain values; the report library does no I/O of its own (docs/architecture.md: the CLI reads,
// fa_report computes and renders), so the review console can call it on data it already holds.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/civil_time.h"
#include "engine/albumin_infusion.h"
#include "engine/outcome_record.h"
#include "mapping/trial_config.h"

namespace fa::report {

// The latest reviewer decision on one record (from the audit log: `review accept|override`).
struct ReviewerDecision {
  std::string observation;  // the reviewed version, "Observation/{id}/_history/{v}"
  std::string subject_id;
  std::string analyte;
  std::string decision;       // accepted | overridden
  std::string flag;           // the record's flag when reviewed
  std::string override_flag;  // the reviewer's flag (overridden only)
  std::string reviewer;
  std::string time;
  std::string reason;
};

// trial.json `screening_checks` (docs/trial-rules.md "Supporting analytes, scores and screening checks").
struct PtProlongationSetting {
  std::string analyte = "PT";
  core::Decimal control_seconds;
  core::Decimal max_prolongation_seconds;
};
struct ScreeningSettings {
  std::optional<PtProlongationSetting> pt_prolongation;
  std::optional<int> albumin_infusion_lookback_days;
  // The analyte whose results an albumin infusion may confound (not a trial.json key: the
  // check is about albumin itself, as the liver scores read ALB).
  std::string albumin_analyte = "ALB";
};
// Reads the `screening_checks` object of trial.json's text; absent keys stay unset. Returns
// nullopt with `problem` set when the text is not JSON or a value has the wrong type (the
// mappings loader has already checked the schema; this is the report's own guard).
std::optional<ScreeningSettings> parseScreeningSettings(std::string_view trialJson, std::string* problem);

// Where the records came from, for the report's header.
struct ReportSource {
  std::string origin;  // "store <path>", a file name, or "standard input"
  std::optional<std::string> data_cut;
  std::string mappings_hash;
  std::size_t input_problems = 0;  // lines not read
};

struct ReportInput {
  const mapping::TrialConfig* trial = nullptr;
  const engine::OutcomeRecords* records = nullptr;
  std::vector<ReviewerDecision> reviews;
  bool reviews_read = false;  // an audit folder was given (else "no audit log read")
  ScreeningSettings screening;
  // Human albumin infusions the daemon stored (report --config reads them through the store);
  // records files (map, records) carry none, so with --mappings `infusions_read` stays false.
  std::vector<engine::AlbuminInfusion> albumin_infusions;
  bool infusions_read = false;
  // Roster first-dose dates by subject, when the CLI has the roster; otherwise each subject's
  // day 1 is inferred from its records (effective date and study day).
  std::map<std::string, std::optional<core::DayNumber>> roster_dose1;
  std::vector<std::pair<std::string, std::string>> shifts;  // extra (from, to) visit pairs
  core::DayNumber as_of = 0;                                // the completeness list's "today"
  int due_days = 14;                                        // windows closing within this many days
  ReportSource source;
};

}  // namespace fa::report

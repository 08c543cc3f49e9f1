#pragma once
// Outcome tables: how many subjects were abnormal, per analyte and per outcome, at each visit.
//
// Counts use the selected record of each subject, analyte and visit (docs/trial-rules.md: abnormal for
// the outcome counts is BILI high, ALB low, coagulation when any of PT/INR/APTT high, PTA or
// FIBRINO low, ...; which flags count comes from fhir-mappings/outcomes.json).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/flag.h"
#include "mapping/trial_config.h"

namespace fa::engine {

// The parts of a record the tables need (they may come from a stored or printed record).
struct TableRow {
  std::string subject_id;
  std::string analyte;
  std::string visit;
  bool selected = false;
  std::optional<core::Flag> flag;
};

struct OutcomeTables {
  std::vector<std::string> visits;  // schedule order
  // analyte -> visit -> subjects abnormal / subjects with a selected record
  std::map<std::string, std::map<std::string, std::pair<int, int>>> by_analyte;
  // outcome label -> visit -> subjects abnormal / subjects with any selected record of it
  std::vector<std::pair<std::string, std::map<std::string, std::pair<int, int>>>> by_outcome;
};

OutcomeTables buildOutcomeTables(const std::vector<TableRow>& rows, const mapping::TrialConfig& config);
// Fixed-width text, "abnormal/assessed" per cell.
std::string renderOutcomeTables(const OutcomeTables& tables, const mapping::TrialConfig& config);

}  // namespace fa::engine

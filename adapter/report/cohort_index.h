#pragma once
// CohortIndex: the records of a report arranged per subject, visit and analyte, built once and
// read by every table. The index holds pointers into the caller's OutcomeRecords, which must
// outlive it. Subjects are in subject_id order, visits in schedule order, analytes in
// fhir-mappings/analytes.json order.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/civil_time.h"
#include "engine/outcome_record.h"
#include "mapping/trial_config.h"

namespace fa::report {

struct SubjectRecords {
  std::string subject_id;
  std::optional<core::DayNumber> dose1;  // day 1: from the roster, else inferred from a record
  bool on_roster = false;
  // selected[visit][analyte]: the selected record, or nullptr
  std::vector<std::vector<const engine::OutcomeRecord*>> selected;
  std::vector<const engine::OutcomeRecord*> records;  // all of the subject's records, input order
};

struct CohortIndex {
  std::vector<std::string> visits;  // schedule order
  std::optional<std::size_t> baseline_visit;
  std::vector<SubjectRecords> subjects;

  std::optional<std::size_t> visitIndex(std::string_view name) const;
  const SubjectRecords* subject(std::string_view id) const;
};

// "final", "amended", "corrected" (docs/trial-rules.md "Result status and versions").
bool isUsableStatus(std::string_view status);

// Day 1 of a subject from one of its records: effective date minus (study day - 1) on or after
// day 1, effective date minus study day before it (there is no day 0).
std::optional<core::DayNumber> inferDose1(const engine::OutcomeRecord& record);

CohortIndex indexCohort(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial,
                        const std::map<std::string, std::optional<core::DayNumber>>& roster_dose1);

}  // namespace fa::report

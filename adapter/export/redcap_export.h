#pragma once
// REDCap import files for a longitudinal project (docs/contract.md "fhir-adapter export"): the
// data file, the data dictionary that builds the project, and the instrument-event mapping. One
// instrument, `laboratory_results`, used at every visit (event) of trial.json; one data row per
// subject and visit that has a selected record. Pure: no I/O.
#include <string>

#include "engine/outcome_record.h"
#include "mapping/trial_config.h"

namespace fa::exports {

inline constexpr const char* kRedcapForm = "laboratory_results";

struct RedcapFiles {
  std::string data;        // redcap-data.csv
  std::string dictionary;  // redcap-dictionary.csv
  std::string events;      // redcap-events.csv
};

RedcapFiles buildRedcap(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial);

// The visit's unique event name in arm 1: lower case, spaces as "_", other characters than
// letters, digits and "_" dropped, then "_arm_1" ("BASELINE" -> "baseline_arm_1", "W4" -> "w4_arm_1").
std::string redcapEventName(const std::string& visit);
// The field name prefix of an analyte: its code in lower case, other characters dropped ("BILI" -> "bili").
std::string redcapFieldPrefix(const std::string& analyte_code);

// The data dictionary's header row, exactly as REDCap writes it (18 columns).
const char* redcapDictionaryHeader();

}  // namespace fa::exports

#pragma once
// Record sources for the readers of finished records (`report`, `export`, the review console):
// the current records of a store, or the records `map` and `records` print (NDJSON, or the CSV of
// `records --format csv`). Either way they arrive as typed engine::OutcomeRecord values, checked
// field by field like the store checks its own rows (docs/architecture.md: records pass between
// layers as typed values). Reading never contacts the FHIR server.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/outcome_record.h"
#include "mapping/trial_config.h"

namespace fa::record_source {

struct RecordSet {
  engine::OutcomeRecords records;       // docs/contract.md output order
  std::vector<std::string> problems;    // "<file> line N: ...": lines not read (the rest is read)
  std::string origin;                   // "store <path>", a file name, or "standard input"
  std::optional<std::string> data_cut;  // when a store's searches last moved on (UTC instant)
  std::string mappings_hash;            // of the mappings a store's records were made with; "" unknown
};

// NDJSON as `map` and `records` print it, or `records --format csv` (told apart by a first line
// that starts with the CSV header's `subject_id,`); `-` reads standard input. A file that cannot
// be opened is one problem and no records.
RecordSet readRecordsFile(const std::string& path_or_dash, const mapping::TrialConfig& trial);
// The same from text already in memory (`label` names it in problems).
RecordSet readRecordsText(const std::string& text, const std::string& label, const mapping::TrialConfig& trial);

// The current records of a store, opened read-only (works beside a running daemon). Throws
// store::StoreError when the file is not a readable store.
RecordSet readStore(const std::filesystem::path& store, const mapping::TrialConfig& trial);

}  // namespace fa::record_source

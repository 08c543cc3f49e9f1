#pragma once
// NdjsonIngest: one downloaded export file into the store, line by line, in batches of
// [bulk] batch_lines lines per transaction (bounded memory whatever the file size: one line's
// DOM at a time). The file is marked finished in the transaction of its last batch, so a run
// killed in the middle downloads that file again and stores nothing twice (versions are keyed
// on id and versionId).
//
// - output: Observations whose code matches the trial (the same code set the poller searches
//   for: servers ignore _typeFilter, docs/fhir-servers.md) are stored verbatim, source "bulk";
//   other resource types and codes are counted and dropped.
// - deleted: Bundles of DELETE entries; each Observation/{id} becomes a deletion.
// - error: OperationOutcomes, counted by severity and issue code only (their diagnostics may
//   quote patient data, so no text is kept).
// Lines that are not JSON resources are counted as rejected with their line number.
// Thread-safety: one thread at a time (it writes through one store connection).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/trial_config.h"
#include "store/bulk_job_store.h"
#include "store/observation_store.h"

namespace fa::bulk {

enum class FileKind { Output, Deleted, Error };
const char* kindName(FileKind kind);

struct IngestCounts {
  std::int64_t lines = 0;
  std::int64_t new_versions = 0;     // Observation versions stored for the first time
  std::int64_t known_versions = 0;   // already stored (a resumed file, an overlapping _since)
  std::int64_t other_types = 0;      // resources that are not Observations
  std::int64_t unmatched_codes = 0;  // Observations of no trial analyte (_typeFilter ignored)
  std::int64_t deletions = 0;
  std::int64_t rejected = 0;
  std::map<std::string, std::int64_t> issues;  // error files: "severity/code" -> count
  std::optional<std::int64_t> first_rejected_line;
  void add(const IngestCounts& other);
};

// Stores the whole `body` of the file at `url`; `now` stamps what is stored.
IngestCounts ingestFile(store::ObservationStore& store, const mapping::TrialConfig& config, const std::string& url, FileKind kind,
                        std::string_view body, std::size_t batch_lines, const std::string& now);

}  // namespace fa::bulk

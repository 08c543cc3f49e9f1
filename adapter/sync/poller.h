#pragma once
// Poller: one catch-up sync pass against the FHIR server (the source of truth).
//
// FHIR-NOTES.md: one search per analyte code set (optionally per patient, as Epic and Cerner
// demand), `_lastUpdated=ge{watermark - overlap}` sorted by _lastUpdated, next links followed
// verbatim, versions deduplicated on (id, versionId), the watermark capped by the server's Date
// minus a lag. Each page is stored in one transaction, so a crash loses and duplicates nothing.
// A rescan (every pass with --once, else periodically) re-lists every result without a
// watermark and reads the ones that vanished: 410/404 means deleted.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mapping/roster.h"
#include "mapping/trial_config.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"

namespace fa::sync {

struct SyncSettings {
  int page_size = 100;
  std::chrono::seconds overlap{300};
  std::chrono::seconds lag{5};
  bool per_patient = false;
  std::string category;  // e.g. "laboratory" added to queries when set
};

struct PassReport {
  int queries = 0;
  int requests = 0;
  int pages = 0;
  int observations_seen = 0;
  int new_versions = 0;
  int deletions = 0;
  bool rescanned = false;
  bool interrupted = false;  // stopped early on request (the current page was committed)
};

struct SyncObserver {
  std::function<void(const std::string& query, int entries)> on_page;
};

class Poller {
 public:
  Poller(
      net::FhirClient& client, store::ObservationStore& store, SyncSettings settings, SyncObserver observer = {},
      std::function<bool()> stop_requested = [] { return false; });

  // Runs every query of the trial config; with `rescan`, also looks for deleted results.
  // Throws net::FhirError when the server cannot be used.
  PassReport pass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan);

  // The searches a pass makes (query key -> relative search URL without watermark).
  std::vector<std::pair<std::string, std::string>> queries(const mapping::TrialConfig& config,
                                                           const mapping::Roster& roster) const;

 private:
  // Follows one search through all its pages; returns ids seen.
  std::vector<std::string> runQuery(const std::string& key, const std::string& url, bool with_watermark, PassReport& report);
  void findDeletions(const std::vector<std::string>& seen, PassReport& report);
  // Stores every version in the resource's _history (and its DELETE, if any). Used when a
  // search shows an entered-in-error version: its record keeps the values of the last usable
  // version, which only the history holds. Returns the DELETE's time when there is one.
  std::optional<std::string> fetchHistory(const std::string& id, PassReport& report);
  std::string now() const;

  net::FhirClient& client_;
  store::ObservationStore& store_;
  SyncSettings settings_;
  SyncObserver observer_;
  std::function<bool()> stop_requested_;
};

// Percent-encodes a query parameter value (keeps the comma FHIR uses for OR).
std::string encodeQueryValue(const std::string& value);

}  // namespace fa::sync

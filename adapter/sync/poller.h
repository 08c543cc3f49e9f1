#pragma once
// Poller: one catch-up sync pass against the FHIR server (the source of truth).
//
// docs/fhir-servers.md: one search per analyte code set (optionally per patient, as Epic and
// Cerner demand), `_lastUpdated=ge{watermark - overlap}` sorted by _lastUpdated, next links
// followed verbatim, versions deduplicated on (id, versionId), the watermark capped by the
// server's Date minus a lag. Each page is stored in one transaction together with the progress
// it makes (the watermark moves page by page while results come sorted), so an interrupted pass
// resumes near where it stopped and a crash loses and duplicates nothing.
//
// A rescan (every pass with --once, else periodically) re-lists every result without a
// watermark and reads the ones that vanished. Only that read's 404/410 is evidence of a
// deletion: a 410 Gone is confirmed by a second read at the end of the same rescan, a 404 stays
// pending until a later rescan confirms it (deletion_confirm_seconds); a rescan that would confirm more than
// max_withdraw_fraction of the current records confirms nothing unless allow_mass_withdrawal (docs/contract.md, "Safety guards of
// run").
//
// Thread-safety: one thread at a time (it drives one FhirClient and one store connection).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fhir/bundle_page.h"
#include "mapping/roster.h"
#include "mapping/trial_config.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"
#include "sync/http_date.h"

namespace fa::sync {

struct SyncSettings {
  int page_size = 100;
  std::chrono::seconds overlap{300};
  std::chrono::seconds lag{5};
  bool per_patient = false;
  std::string category;  // e.g. "laboratory" added to queries when set
  // [sync] deletion_confirm_seconds: a 404 read in a rescan withdraws the result only when a
  // rescan at least this long after the first such answer gets 404/410 again (a 410 is also
  // confirmed by a second 410 at the end of the same rescan). 0 = at once.
  std::chrono::seconds deletion_confirm_seconds{3600};
  // [sync] max_withdraw_fraction and `run --allow-mass-withdrawal` (docs/contract.md).
  double max_withdraw_fraction = 0.2;
  bool allow_mass_withdrawal = false;
};

// What the caller (the daemon) does with a report: recompute the records when new_versions,
// deletions or deletions_undone are non-zero; show pending_deletions (a gauge); when
// withdrawal_blocked, log and audit why (withdrawals_held, withdraw_records of current_records,
// withdraw_fraction against max_withdraw_fraction), raise a metric, and make `run --once` exit 1.
struct PassReport {
  int queries = 0;
  int requests = 0;
  int pages = 0;
  int observations_seen = 0;
  int new_versions = 0;
  int deletions = 0;  // deletions confirmed by this pass (records change)
  bool rescanned = false;
  bool interrupted = false;  // stopped early on request (the current page was committed)
  // Deletion checks.
  int pending_deletions = 0;  // 404/410 answers awaiting confirmation, in the store after the pass
  int pending_new = 0;        // of those, first seen in this pass
  int pending_cleared = 0;    // pending deletions whose resource was seen again
  int deletions_undone = 0;   // confirmed deletions whose resource was seen again (records change)
  // The mass-withdrawal guard: set when a rescan had deletions due for confirmation.
  bool withdrawal_blocked = false;  // nothing was withdrawn: the fraction was too high
  int withdrawals_held = 0;         // deletions due but held back (they stay pending, due)
  int withdraw_records = 0;         // current records the due deletions would withdraw
  int current_records = 0;          // current records (the denominator)
  double withdraw_fraction = 0;     // withdraw_records / current_records
  int unsorted_queries = 0;         // searches whose results were not sorted by _lastUpdated
  int history_unavailable = 0;      // _history reads the server refused (4xx, 501)
  // Albumin infusion searches (screening check): infusions read, searches the server refused.
  int albumin_infusions_seen = 0;
  int infusion_searches_unavailable = 0;
};

struct SyncObserver {
  std::function<void(const std::string& query, int entries)> on_page;
};

class Poller {
 public:
  // `clock` (default: the system clock) dates pending deletions; tests inject their own.
  Poller(
      net::FhirClient& client, store::ObservationStore& store, SyncSettings settings, SyncObserver observer = {},
      std::function<bool()> stop_requested = [] { return false; }, std::function<TimePoint()> clock = {});

  // Runs every query of the trial config; with `rescan`, also looks for deleted results.
  // Throws net::FhirError when the server cannot be used.
  PassReport pass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan);

  // The searches a pass makes (query key -> relative search URL without watermark).
  std::vector<std::pair<std::string, std::string>> queries(const mapping::TrialConfig& config,
                                                           const mapping::Roster& roster) const;
  // The albumin infusion searches (adapter/sync/poller_infusions.cpp): key "albumin:{type}"
  // (+ "@{subject}" per patient); none when the mappings list no albumin code.
  std::vector<std::pair<std::string, std::string>> infusionQueries(const mapping::TrialConfig& config,
                                                                   const mapping::Roster& roster) const;

 private:
  // The paging state of one search.
  struct SearchRun {
    std::string key;
    bool with_watermark = false;
    std::optional<std::string> start_watermark;  // as stored when the search began
    std::optional<TimePoint> newest;             // highest lastUpdated seen so far
    std::optional<TimePoint> server_now;         // the latest page's Date header
    bool sorted = true;                          // results so far in _lastUpdated order
    bool progress_written = false;               // a page moved the watermark
    // Takes an entry's lastUpdated into `newest`, and notes when the server did not sort.
    void noteLastUpdated(const std::optional<std::string>& last_updated);
  };
  // What committing one page found.
  struct PageResult {
    int entries = 0;
    std::vector<std::string> ids;
    std::vector<std::string> withdrawn;  // entered-in-error without a usable version stored
  };
  // A rescan read answered 404/410.
  struct GoneRead {
    std::string id;
    int status = 0;
    std::optional<std::string> server_date;
    std::string first_seen;
  };

  void runPass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan, PassReport& report);
  // Follows one search through all its pages; returns ids seen.
  std::vector<std::string> runQuery(const std::string& key, const std::string& url, bool with_watermark, PassReport& report);
  std::string searchUrl(const std::string& query, const std::optional<std::string>& watermark) const;
  net::HttpResponse getSearchPage(const std::string& url, PassReport& report);
  // A 200 answer of a search read as a Bundle page (its Date header noted); anything else throws.
  static fhir::BundlePage readSearchPage(const net::HttpResponse& response, SearchRun& run, PassReport& report);
  PageResult commitPage(const fhir::BundlePage& page, SearchRun& run, PassReport& report);
  void advanceWatermark(SearchRun& run, bool last_page, const std::string& stamp);
  void noteSeenAgain(const std::vector<std::string>& ids, PassReport& report);

  // Albumin infusions (adapter/sync/poller_infusions.cpp).
  void pullAlbuminInfusions(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan, PassReport& report);
  void runInfusionQuery(const std::string& key, const std::string& query, bool with_watermark, const mapping::TrialConfig& config,
                        const mapping::Roster& roster, PassReport& report);
  // One page, or nullopt when the server refuses the search (counted as unavailable).
  std::optional<net::HttpResponse> getInfusionPage(const std::string& url, PassReport& report);
  void commitInfusionPage(const fhir::BundlePage& page, SearchRun& run, const mapping::TrialConfig& config,
                          const mapping::Roster& roster, PassReport& report);

  void findDeletions(const std::vector<std::string>& seen, PassReport& report);
  bool stopForRequest(PassReport& report);
  bool rereadGone(const std::vector<std::string>& ids, std::vector<GoneRead>& due, PassReport& report);
  std::optional<GoneRead> readVanished(const std::string& id, PassReport& report);
  bool confirmationDue(const GoneRead& gone) const;
  void confirmOrHold(const std::vector<GoneRead>& due, PassReport& report);
  void confirmDeletion(const GoneRead& gone, PassReport& report);

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
  std::function<TimePoint()> clock_;
};

// Percent-encodes a query parameter value (keeps the comma FHIR uses for OR).
std::string encodeQueryValue(const std::string& value);

// The stored form of a search, read or history entry (version key: versionId, else
// "@" + lastUpdated).
store::ObservationVersion versionOf(const fhir::PageEntry& entry, const std::string& source);

}  // namespace fa::sync

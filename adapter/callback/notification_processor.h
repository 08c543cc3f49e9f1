#pragma once
// NotificationProcessor: turns stored notifications (status pending, oldest first) into stored
// Observation versions, through the same store and record engine as polling:
//   - full resources (R4 PUT/POST, full-resource Bundles): each version stored (source "push"),
//   - id-only: each resource read by id with the FHIR client, then stored,
//   - empty content, pings, a gap in the event numbers, a resource gone (404/410) or a read that
//     failed: a catch-up poll is asked for (the poll is the source of truth; never an error).
// Each notification is marked done in the same transaction as the versions it brought, so a
// crash at any point neither loses nor repeats its effect; what was pending is processed after
// the restart. Event numbers are kept per subscription; a counter that goes back (HAPI resets
// them on restart) is taken as the new start.
//
// Thread-safety: one thread (the daemon's work loop), the same one that uses `store`.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "net/http_types.h"
#include "store/notification_store.h"
#include "store/observation_store.h"

namespace fa::callback {

struct ProcessReport {
  int notifications = 0;
  int new_versions = 0;
  int known_versions = 0;  // already stored (by the poll or an earlier notification)
  int reads = 0;
  bool poll_needed = false;
  std::map<std::string, int> poll_reasons;  // ping, event_empty, event_gap, gone, read_failed, invalid
  std::vector<std::string> new_ids;         // Observation ids with a new version
};

// Store meta key set to "1" with every new version a notification brings; the daemon sets it to
// "0" once the records are recomputed, and recomputes at start when it finds "1".
inline constexpr const char* kRecordsStaleKey = "push_records_stale";

// GET of a relative FHIR URL ("Observation/123"); throws (net::FhirError) when it cannot.
using ResourceReader = std::function<net::HttpResponse(const std::string& relative_url)>;

class NotificationProcessor {
 public:
  NotificationProcessor(store::ObservationStore& store, std::string endpoint_path, ResourceReader read);
  // Processes up to `max` pending notifications.
  ProcessReport processPending(std::size_t max);
  std::size_t pending();
  // Deletes processed notifications older than `keep` (their versions stay in the store and
  // their effects in the audit log); returns how many. The table would otherwise only grow.
  // A duplicate arriving after that is processed again, which changes nothing: versions are
  // deduplicated on (id, versionId).
  std::size_t pruneProcessed(std::chrono::hours keep);

 private:
  store::ObservationStore& store_;
  store::NotificationStore notifications_;
  std::string path_;
  ResourceReader read_;
};

}  // namespace fa::callback

#pragma once
// RecordBuilder: recomputes the outcome records from the store through the engine `map` uses,
// so the same resources give the same records whichever path brought them in. Writes the
// difference to the store (with history and one audit outbox row per change) in one
// transaction. Records stay typed values (engine::OutcomeRecord) all the way to the store.
//
// updateRecords() recomputes only what changed since the records were last computed (the
// store keeps what they were computed from, store::ObservationStore::RecordInputs):
//   - the mappings, the roster or the engine (adapter build, tz database, base URL) changed, or
//     nothing is recorded yet: every record, from every stored version (rebuildRecords);
//   - nothing changed: no record; the gauges and rejections come from the store;
//   - only versions or deletions changed: the subject+analyte groups they touch (selection,
//     baseline and grades depend on all records of a subject and analyte, and nothing else
//     does), whole, from all their versions.
// Each gives the records, changes, audit outbox rows, counts and rejections a full rebuild
// gives (tests/sync/incremental_records_test.cpp).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/mapping_session.h"
#include "store/observation_store.h"

namespace fa::sync {

// How much updateRecords recomputed.
enum class Recomputed { Everything, Groups, Nothing };

struct RebuildResult {
  Recomputed how = Recomputed::Everything;
  store::RecordChanges changes;
  std::vector<std::pair<std::string, std::string>> changed;  // observation id, created|updated|removed
  engine::MapCounts counts;                                  // rejected and skipped_not_on_roster: over all versions
  std::size_t records = 0;
  std::map<std::string, int> by_flag;  // "normal", "high", ..., "retracted" for a null flag
};

// What the records are computed from besides the stored versions and deletions.
struct RecordBasis {
  std::shared_ptr<const mapping::TrialConfig> config;
  std::shared_ptr<const mapping::Roster> roster;
  std::string roster_hash;  // SHA-256 of subjects.csv as loaded
  std::string base_url;
};

// Feeds the stored versions and deletions to a fresh MappingSession and returns its records.
engine::OutcomeRecords computeRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                                      std::shared_ptr<const mapping::Roster> roster, const std::string& base_url,
                                      const engine::MappingSession::RejectionHandler& on_rejection,
                                      engine::MapCounts* counts = nullptr);

// Every record from every stored version; records what they were computed from.
RebuildResult rebuildRecords(store::ObservationStore& store, const RecordBasis& basis, const std::string& now,
                             const engine::MappingSession::RejectionHandler& on_rejection);

// Only what changed (see above). `on_rejection` hears every stored rejection, in the order a
// full rebuild reports them.
RebuildResult updateRecords(store::ObservationStore& store, const RecordBasis& basis, const std::string& now,
                            const engine::MappingSession::RejectionHandler& on_rejection);

// The engine part of store::ObservationStore::RecordInputs: "" when the adapter build cannot be
// identified (then every start rebuilds every record).
std::string engineFingerprint(const std::string& base_url);

}  // namespace fa::sync

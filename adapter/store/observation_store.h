#pragma once
// ObservationStore: what the daemon keeps in SQLite. Every version of every matched
// Observation exactly as the server sent it, deletions, the current outcome records with their
// history and the audit outbox of their changes, sync watermarks, and small metadata (the
// mappings hash the records were made with). Records go in and out as typed values; all SQL
// of the adapter lives in adapter/store/.
// One writer (the daemon); readers (`records`) open it read-only alongside, thanks to WAL.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/albumin_infusion.h"
#include "engine/outcome_record.h"
#include "store/sqlite_db.h"

namespace fa::store {

struct ObservationVersion {
  std::string id;
  std::string version_key;
  std::optional<std::string> last_updated;
  std::string status;
  std::string resource;  // JSON text
  std::string source;    // poll | push | rescan
};

struct Deletion {
  std::string id;
  std::optional<std::string> last_modified;
  std::string source;
};

// One row of the audit outbox: a record change whose audit entry is not yet in the audit log.
// `before` is absent for a created record, `after` for a removed one.
struct PendingRecordChange {
  std::int64_t seq = 0;  // increasing, never reused
  std::string observation_id;
  std::string change;      // created | updated | removed
  std::string rules_hash;  // of the mappings the change was computed with
  std::string at;          // when the change was committed
  std::optional<engine::OutcomeRecord> before, after;
};

struct RecordChanges {
  int created = 0;
  int updated = 0;
  int removed = 0;
  bool any() const { return created || updated || removed; }
};

class ObservationStore {
 public:
  // ReadWrite creates the file and migrates the schema; ReadOnly requires an existing store.
  ObservationStore(const std::string& path, SqliteDb::Mode mode);

  // One unit of work across several named operations below (commit() or it rolls back).
  SqliteDb::Transaction transaction() { return SqliteDb::Transaction(db_); }

  // Inserts one version unless the same (id, version_key) is already stored; true when new.
  bool putVersion(const ObservationVersion& v, const std::string& now);
  bool putDeletion(const Deletion& d, const std::string& now);
  void forEachVersion(const std::function<void(const ObservationVersion&)>& visit);
  std::vector<Deletion> deletions();
  std::vector<std::string> observationIds();
  // True when some stored version of the id has a usable status (engine::isUsableStatus).
  bool hasUsableVersion(const std::string& id);
  std::size_t versionCount();

  std::optional<std::string> watermark(const std::string& query_key);
  void setWatermark(const std::string& query_key, const std::string& last_updated, const std::string& now);

  // When a search last moved a watermark (our clock, UTC instant): the data cut of a report.
  std::optional<std::string> lastSyncTime();

  std::optional<std::string> meta(const std::string& key);
  void setMeta(const std::string& key, const std::string& value);

  // Makes `records` the current set (keyed by resource_id). Each record whose stored fields
  // differ (a record stored the same is no change) is written with its NDJSON/CSV text (the
  // output cache), one record_history row and one audit outbox row, all in the caller's
  // transaction or, without one, in SQLite's implicit one per statement: call it inside
  // transaction() so the changes and their outbox rows commit together.
  RecordChanges replaceRecords(const engine::OutcomeRecords& records, const std::string& rules_hash, const std::string& now,
                               std::vector<std::pair<std::string, std::string>>* changed = nullptr);
  // In docs/contract.md order (subject_id, analyte, effective with null first, observation); each
  // with its output fields and resource_id.
  void forEachRecord(const std::function<void(const engine::OutcomeRecord&)>& visit);
  std::optional<engine::OutcomeRecord> record(const std::string& observation_id);

  // The audit outbox, oldest first: record changes committed but not yet audited.
  std::vector<PendingRecordChange> pendingRecordChanges(std::size_t max);
  std::size_t pendingRecordChangeCount();
  // Forgets the outbox rows up to `seq` once their audit entries are committed (fsync).
  void deleteRecordChanges(std::int64_t up_to_seq);

 private:
  // Hands each row of a `SELECT id, version_key, last_updated, status, resource, source` to visit.
  static void visitVersionRows(Statement& rows, const std::function<void(const ObservationVersion&)>& visit);
  friend class NotificationStore;  // shares the connection, so its operations join transactions
  friend class BulkJobStore;       // the same, for the $export job state
  SqliteDb db_;

  // ---- Deletion checks of the sync engine (adapter/store/deletion_checks.cpp) ----
  // A rescan's read of a vanished result answered 404/410: pending until a later rescan,
  // [sync] deletion_confirm_seconds on, confirms it; undone when the resource is seen again.
 public:
  struct PendingDeletion {
    std::string id;
    std::string first_seen;  // our clock, UTC instant
    std::string last_seen;
    int last_status = 0;  // 404 | 410
  };
  // Records one 404/410 answer; an id already pending keeps its first_seen.
  void notePendingDeletion(const std::string& id, int status, const std::string& now);
  std::optional<PendingDeletion> pendingDeletion(const std::string& id);
  std::size_t pendingDeletionCount();
  // Writes the confirmed deletion (as putDeletion) and drops its pending row; true when new.
  bool confirmDeletion(const Deletion& d, const std::string& now);
  struct DeletionUndo {
    int pending_cleared = 0;
    std::vector<std::string> deletions_undone;  // ids whose confirmed deletion was removed
  };
  // The resources were seen again (in a search or a read): their pending and confirmed
  // deletions are void.
  DeletionUndo undoDeletions(const std::vector<std::string>& ids);
  // The mass-withdrawal guard's fraction: the current records, and those belonging to `ids`.
  std::size_t recordCount();
  std::size_t recordCountOf(const std::vector<std::string>& ids);
  // Page progress that turned out unsafe (results not sorted) is taken back.
  void clearWatermark(const std::string& query_key);
  // ---- end of deletion checks ----

  // ---- What the current records were computed from (adapter/store/record_inputs.cpp) ----
  // Lets the daemon recompute only the records whose inputs changed (adapter/sync/record_builder.h).
  struct RecordInputs {
    std::string mappings_hash;
    std::string roster_hash;
    std::string engine;                       // the adapter build, the tz database version and the FHIR base URL
    std::uint64_t skipped_not_on_roster = 0;  // the engine's count over every stored version
  };
  // The engine's rejection of one stored version.
  struct VersionRejection {
    std::string id, version_key;
    std::string resource;  // "Observation/abc" or ""
    std::string why;
  };
  // None: never recorded (a store older than schema 7, or no records computed yet).
  std::optional<RecordInputs> recordInputs();
  // The current records are computed from `inputs` and every stored version and deletion: sets
  // the inputs and forgets the changes noted so far. Call in the transaction of the records.
  void setRecordInputs(const RecordInputs& inputs);
  // Observation ids (sorted) whose versions or deletion changed since setRecordInputs, and how many.
  std::vector<std::string> changedObservationIds();
  std::size_t changedObservationCount();
  // The (id, version_key) of the versions stored since setRecordInputs.
  std::vector<std::pair<std::string, std::string>> changedVersions();
  // The versions of `ids` in forEachVersion's order, and their deletions (by id).
  void forEachVersionOf(const std::vector<std::string>& ids, const std::function<void(const ObservationVersion&)>& visit);
  std::vector<Deletion> deletionsOf(const std::vector<std::string>& ids);
  // (subject_id, analyte) of the current records of `ids`; ids (sorted) of the current records
  // of those groups.
  std::vector<std::pair<std::string, std::string>> recordGroupsOf(const std::vector<std::string>& ids);
  std::vector<std::string> recordIdsInGroups(const std::vector<std::pair<std::string, std::string>>& groups);
  // replaceRecords restricted to `scope`: the current records of other ids are left as they are.
  RecordChanges replaceRecordsOf(const std::vector<std::string>& scope, const engine::OutcomeRecords& records,
                                 const std::string& rules_hash, const std::string& now,
                                 std::vector<std::pair<std::string, std::string>>* changed = nullptr);
  // Current records by flag text (null flag: nullopt).
  std::vector<std::pair<std::optional<std::string>, std::size_t>> recordCountsByFlag();
  // Rejections of stored versions, in forEachVersion's order; replaceRejections forgets them all first.
  void forEachRejection(const std::function<void(const VersionRejection&)>& visit);
  std::size_t rejectionCount();
  void addRejections(const std::vector<VersionRejection>& rejections);
  void replaceRejections(const std::vector<VersionRejection>& rejections);
  // ---- end of record inputs ----

  // ---- Albumin infusions for the screening check (adapter/store/albumin_infusions.cpp) ----
  // Keeps the latest reading of each albumin MedicationAdministration/MedicationRequest.
  // Inserts or replaces the infusion of `infusion.resource`.
  void putAlbuminInfusion(const engine::AlbuminInfusion& infusion, const std::optional<std::string>& last_updated,
                          const std::string& now);
  // Forgets the infusion of a resource whose latest reading is none; true when one was kept.
  bool removeAlbuminInfusion(const std::string& resource);
  // Every kept infusion, ordered by subject_id, date, resource.
  void forEachAlbuminInfusion(const std::function<void(const engine::AlbuminInfusion&)>& visit);
  std::size_t albuminInfusionCount();
  // ---- end of albumin infusions ----
};

}  // namespace fa::store

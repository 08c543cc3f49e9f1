#include "store/migrations.h"

#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace fa::store {
namespace {

// Never edit a shipped step: append a new one (and raise kSchemaVersion in migrations.h).
// Index i holds the SQL that moves the schema from version i to i + 1 (a table, not code).
const char* const kStepSql[] = {
    R"SQL(
      CREATE TABLE observation_versions (
        id            TEXT NOT NULL,
        version_key   TEXT NOT NULL,   -- meta.versionId, or "@" + meta.lastUpdated without one
        last_updated  TEXT,            -- meta.lastUpdated as sent
        status        TEXT,
        resource      TEXT NOT NULL,   -- the resource JSON exactly as the server sent it
        source        TEXT NOT NULL,   -- poll | push | rescan
        received_at   TEXT NOT NULL,
        PRIMARY KEY (id, version_key)
      );
      CREATE TABLE deletions (
        id            TEXT PRIMARY KEY,
        last_modified TEXT,            -- when the server deleted it, if known
        detected_at   TEXT NOT NULL,
        source        TEXT NOT NULL
      );
      CREATE TABLE records (
        observation_id TEXT PRIMARY KEY,
        subject_id     TEXT NOT NULL,
        analyte        TEXT NOT NULL,
        effective      TEXT,
        observation    TEXT NOT NULL,
        record_ndjson  TEXT NOT NULL,  -- exactly the `map` NDJSON line
        record_csv     TEXT NOT NULL,  -- exactly the `map` CSV row
        rules_hash     TEXT NOT NULL,
        updated_at     TEXT NOT NULL
      );
      CREATE INDEX records_order ON records (subject_id, analyte, effective, observation);
      CREATE TABLE record_history (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        observation_id TEXT NOT NULL,
        change         TEXT NOT NULL,  -- created | updated | removed
        before_ndjson  TEXT,
        after_ndjson   TEXT,
        rules_hash     TEXT NOT NULL,
        at             TEXT NOT NULL
      );
      CREATE TABLE watermarks (
        query_key     TEXT PRIMARY KEY,
        last_updated  TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      )SQL",
    // 2: the subscription receiver's durable intake (adapter/callback): every accepted
    // notification exactly as received, written before the 2xx answer; processed later.
    R"SQL(
      CREATE TABLE notifications (
        seq           INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at   TEXT NOT NULL,
        shape         TEXT NOT NULL,   -- ping | resource_put | resource_post | heartbeat | event_*
        method        TEXT NOT NULL,
        target        TEXT NOT NULL,   -- request path as received
        content_type  TEXT NOT NULL,
        body          TEXT NOT NULL,   -- raw body bytes
        dedupe_key    TEXT UNIQUE,     -- NULL: never a duplicate (pings, heartbeats)
        status        TEXT NOT NULL DEFAULT 'pending',  -- pending | done
        outcome       TEXT,            -- what processing did (new, known, poll, failed: ...)
        processed_at  TEXT
      );
      CREATE INDEX notifications_pending ON notifications (status, seq);
      CREATE TABLE subscription_events (
        subscription  TEXT PRIMARY KEY,
        last_event    INTEGER NOT NULL,  -- highest event number seen
        updated_at    TEXT NOT NULL
      );
      )SQL",
    // 3: typed outcome records and the audit outbox (observation_store.h).
    R"SQL(
      -- Typed columns beside the NDJSON/CSV text (which stays, as the output cache). Decimals
      -- are exact text ("20.52"), booleans 0/1, enums their contract text, NULL for null.
      ALTER TABLE records ADD COLUMN status       TEXT;
      ALTER TABLE records ADD COLUMN study_day    INTEGER;
      ALTER TABLE records ADD COLUMN visit        TEXT;
      ALTER TABLE records ADD COLUMN selected     INTEGER;
      ALTER TABLE records ADD COLUMN baseline     INTEGER;
      ALTER TABLE records ADD COLUMN comparator   TEXT;
      ALTER TABLE records ADD COLUMN value        TEXT;
      ALTER TABLE records ADD COLUMN unit         TEXT;
      ALTER TABLE records ADD COLUMN source_value TEXT;
      ALTER TABLE records ADD COLUMN source_unit  TEXT;
      ALTER TABLE records ADD COLUMN ref_low      TEXT;
      ALTER TABLE records ADD COLUMN ref_high     TEXT;
      ALTER TABLE records ADD COLUMN ref_source   TEXT;
      ALTER TABLE records ADD COLUMN flag         TEXT;
      ALTER TABLE records ADD COLUMN ctcae_grade  INTEGER;
      ALTER TABLE records ADD COLUMN reason       TEXT;
      -- Rows written by versions 1 and 2 get them from their NDJSON; `->` keeps a number's text.
      UPDATE records SET
        status = record_ndjson ->> '$.status',
        study_day = record_ndjson ->> '$.study_day',
        visit = record_ndjson ->> '$.visit',
        selected = record_ndjson ->> '$.selected',
        baseline = record_ndjson ->> '$.baseline',
        comparator = record_ndjson ->> '$.comparator',
        value = CASE json_type(record_ndjson, '$.value') WHEN 'null' THEN NULL ELSE record_ndjson -> '$.value' END,
        unit = record_ndjson ->> '$.unit',
        source_value = record_ndjson ->> '$.source_value',
        source_unit = record_ndjson ->> '$.source_unit',
        ref_low = CASE json_type(record_ndjson, '$.ref_low') WHEN 'null' THEN NULL ELSE record_ndjson -> '$.ref_low' END,
        ref_high = CASE json_type(record_ndjson, '$.ref_high') WHEN 'null' THEN NULL ELSE record_ndjson -> '$.ref_high' END,
        ref_source = record_ndjson ->> '$.ref_source',
        flag = record_ndjson ->> '$.flag',
        ctcae_grade = record_ndjson ->> '$.ctcae_grade',
        reason = record_ndjson ->> '$.reason';
      -- The audit outbox: one row per record change, written in the transaction that changes
      -- the record; deleted once its audit entry is committed to the audit log.
      CREATE TABLE audit_outbox (
        seq            INTEGER PRIMARY KEY AUTOINCREMENT,
        observation_id TEXT NOT NULL,
        change         TEXT NOT NULL,  -- created | updated | removed
        rules_hash     TEXT NOT NULL,
        at             TEXT NOT NULL,
        has_before INTEGER NOT NULL,  -- 0: no record before the change
        before_subject_id TEXT,
        before_analyte TEXT,
        before_observation TEXT,
        before_status TEXT,
        before_effective TEXT,
        before_study_day INTEGER,
        before_visit TEXT,
        before_selected INTEGER,
        before_baseline INTEGER,
        before_comparator TEXT,
        before_value TEXT,
        before_unit TEXT,
        before_source_value TEXT,
        before_source_unit TEXT,
        before_ref_low TEXT,
        before_ref_high TEXT,
        before_ref_source TEXT,
        before_flag TEXT,
        before_ctcae_grade INTEGER,
        before_reason TEXT,
        has_after INTEGER NOT NULL,  -- 0: no record after the change
        after_subject_id TEXT,
        after_analyte TEXT,
        after_observation TEXT,
        after_status TEXT,
        after_effective TEXT,
        after_study_day INTEGER,
        after_visit TEXT,
        after_selected INTEGER,
        after_baseline INTEGER,
        after_comparator TEXT,
        after_value TEXT,
        after_unit TEXT,
        after_source_value TEXT,
        after_source_unit TEXT,
        after_ref_low TEXT,
        after_ref_high TEXT,
        after_ref_source TEXT,
        after_flag TEXT,
        after_ctcae_grade INTEGER,
        after_reason TEXT
      );
      )SQL",
    // 4: deletions awaiting confirmation (adapter/sync): a rescan's read of a vanished result
    // answered 404/410. It becomes a row of `deletions` only when a later rescan, at least
    // [sync] deletion_confirm_seconds after first_seen, is answered the same; a reappearance
    // removes it.
    R"SQL(
      CREATE TABLE pending_deletions (
        id            TEXT PRIMARY KEY,
        first_seen    TEXT NOT NULL,     -- our clock: the first 404/410 answer
        last_seen     TEXT NOT NULL,     -- our clock: the latest one
        last_status   INTEGER NOT NULL   -- 404 | 410
      );
      )SQL",
    // 5: Bulk Data $export first loads (adapter/bulk): the job being run, so an interrupted
    // export resumes from its polling URL instead of kicking off a new one, and the files of
    // its manifest already stored.
    R"SQL(
      CREATE TABLE bulk_jobs (
        id            INTEGER PRIMARY KEY CHECK (id = 1),  -- one export at a time
        kickoff_url   TEXT NOT NULL,
        polling_url   TEXT NOT NULL,   -- the kick-off's Content-Location
        started_at    TEXT NOT NULL,
        manifest      TEXT             -- the completion manifest as received, once there
      );
      CREATE TABLE bulk_files (
        url           TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,   -- output | error | deleted
        resources     INTEGER NOT NULL,  -- lines stored (output, deleted) or read (error)
        finished_at   TEXT NOT NULL
      );
      )SQL",
    // 6: albumin infusions for the screening check (engine/albumin_infusion.h): one typed row
    // per MedicationAdministration/MedicationRequest of human albumin given to a trial subject,
    // its latest reading; a later reading that is no infusion (withdrawn, not done) removes it.
    R"SQL(
      CREATE TABLE albumin_infusions (
        resource      TEXT PRIMARY KEY,  -- "MedicationAdministration/12"
        kind          TEXT NOT NULL,     -- administration | request
        subject_id    TEXT NOT NULL,     -- the roster's pseudonymous id
        date          TEXT NOT NULL,     -- YYYY-MM-DD in the site zone
        last_updated  TEXT,              -- meta.lastUpdated as sent
        received_at   TEXT NOT NULL
      );
      CREATE INDEX albumin_infusions_order ON albumin_infusions (subject_id, date, resource);
      )SQL",
    // 7: what the current records were computed from (adapter/store/record_inputs.cpp), so a
    // start recomputes only what changed since: the fingerprints of the mappings, the roster
    // and the engine; the engine's rejections and off-roster count over every stored version;
    // and the versions and deletions changed since (filled by triggers, in the transaction of
    // each change, whatever code path makes it).
    R"SQL(
      CREATE TABLE record_inputs (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        mappings_hash   TEXT NOT NULL,
        roster_hash     TEXT NOT NULL,     -- SHA-256 of subjects.csv as loaded
        engine          TEXT NOT NULL,     -- adapter build, tz database version, FHIR base URL
        skipped_not_on_roster INTEGER NOT NULL
      );
      CREATE TABLE record_rejections (   -- the engine's rejection of one stored version
        id            TEXT NOT NULL,
        version_key   TEXT NOT NULL,
        resource      TEXT NOT NULL,       -- "Observation/abc" or ""
        why           TEXT NOT NULL,
        PRIMARY KEY (id, version_key)
      ) WITHOUT ROWID;
      CREATE TABLE changed_versions (    -- stored since the records were computed
        id            TEXT NOT NULL,
        version_key   TEXT NOT NULL,
        PRIMARY KEY (id, version_key)
      ) WITHOUT ROWID;
      CREATE TABLE changed_deletions (   -- deletions written, moved or undone since then
        id            TEXT PRIMARY KEY
      ) WITHOUT ROWID;
      -- NOT EXISTS rather than OR IGNORE: a trigger takes the conflict policy of the statement
      -- that fires it (putDeletion's upsert would make a second noting of an id fail).
      CREATE TRIGGER observation_version_stored AFTER INSERT ON observation_versions BEGIN
        INSERT INTO changed_versions (id, version_key) SELECT new.id, new.version_key
          WHERE NOT EXISTS (SELECT 1 FROM changed_versions WHERE id = new.id AND version_key = new.version_key);
      END;
      CREATE TRIGGER deletion_stored AFTER INSERT ON deletions BEGIN
        INSERT INTO changed_deletions (id) SELECT new.id
          WHERE NOT EXISTS (SELECT 1 FROM changed_deletions WHERE id = new.id);
      END;
      CREATE TRIGGER deletion_moved AFTER UPDATE ON deletions BEGIN
        INSERT INTO changed_deletions (id) SELECT new.id
          WHERE NOT EXISTS (SELECT 1 FROM changed_deletions WHERE id = new.id);
        INSERT INTO changed_deletions (id) SELECT old.id
          WHERE NOT EXISTS (SELECT 1 FROM changed_deletions WHERE id = old.id);
      END;
      CREATE TRIGGER deletion_undone AFTER DELETE ON deletions BEGIN
        INSERT INTO changed_deletions (id) SELECT old.id
          WHERE NOT EXISTS (SELECT 1 FROM changed_deletions WHERE id = old.id);
      END;
      CREATE INDEX records_flag ON records (flag);
      )SQL",
};

const std::vector<std::string>& steps() {
  static const std::vector<std::string> s(std::begin(kStepSql), std::end(kStepSql));
  return s;
}

}  // namespace

const std::string& migrationStep(int to_version) {
  return steps().at(static_cast<std::size_t>(to_version - 1));
}

int schemaVersion(SqliteDb& db) {
  Statement s = db.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

int migrate(SqliteDb& db) {
  if (steps().size() != static_cast<std::size_t>(kSchemaVersion))
    throw StoreError("internal: " + std::to_string(steps().size()) + " migration steps for schema version " +
                     std::to_string(kSchemaVersion));
  // The version is read inside the write transaction (BEGIN IMMEDIATE) that applies the next
  // step, so two processes opening the same store at once take turns: the second finds the
  // steps done. Each step commits with its user_version bump.
  std::optional<int> found;
  while (true) {
    SqliteDb::Transaction t(db);
    const int version = schemaVersion(db);
    if (!found) found = version;
    if (version > kSchemaVersion)
      throw StoreError("store schema version " + std::to_string(version) + " is newer than this adapter's (" +
                       std::to_string(kSchemaVersion) + "): upgrade the adapter");
    if (version == kSchemaVersion) {
      t.commit();
      return *found;
    }
    db.exec(steps()[static_cast<std::size_t>(version)]);
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    t.commit();
  }
}

}  // namespace fa::store

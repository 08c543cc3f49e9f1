#include "store/migrations.h"

#include <string>
#include <vector>

namespace fa::store {
namespace {

// Index i holds the SQL that moves the schema from version i to i + 1. Never edit a shipped
// step: append a new one.
const std::vector<std::string>& steps() {
  static const std::vector<std::string> s = {
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
      // Deletions awaiting confirmation (adapter/sync): a rescan's read of a vanished result
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
  };
  return s;
}

}  // namespace

int schemaVersion(SqliteDb& db) {
  Statement s = db.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

int migrate(SqliteDb& db) {
  const int found = schemaVersion(db);
  if (found > kSchemaVersion)
    throw StoreError("store schema version " + std::to_string(found) + " is newer than this adapter's (" +
                     std::to_string(kSchemaVersion) + "): upgrade the adapter");
  for (int v = found; v < kSchemaVersion; ++v) {
    SqliteDb::Transaction t(db);
    db.exec(steps()[static_cast<size_t>(v)]);
    db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    t.commit();
  }
  return found;
}

}  // namespace fa::store

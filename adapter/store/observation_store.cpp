#include "store/observation_store.h"

#include <map>

#include <sqlite3.h>

#include "store/migrations.h"

namespace fa::store {

ObservationStore::ObservationStore(const std::string& path, SqliteDb::Mode mode) : db_(path, mode) {
  if (mode == SqliteDb::Mode::ReadWrite) {
    migrate(db_);
  } else if (schemaVersion(db_) != kSchemaVersion) {
    throw StoreError(path + ": store schema version " + std::to_string(schemaVersion(db_)) + ", expected " +
                     std::to_string(kSchemaVersion) + " (run the daemon once to migrate)");
  }
}

bool ObservationStore::putVersion(const ObservationVersion& v, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT OR IGNORE INTO observation_versions (id, version_key, last_updated, status, resource, source, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, v.id)
      .bind(2, v.version_key)
      .bindOptional(3, v.last_updated)
      .bind(4, v.status)
      .bind(5, v.resource)
      .bind(6, v.source)
      .bind(7, now);
  s.run();
  return sqlite3_changes(db_.handle()) > 0;
}

bool ObservationStore::putDeletion(const Deletion& d, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO deletions (id, last_modified, detected_at, source) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET last_modified = excluded.last_modified "
      "WHERE excluded.last_modified IS NOT NULL AND (deletions.last_modified IS NULL OR excluded.last_modified > "
      "deletions.last_modified)");
  s.bind(1, d.id).bindOptional(2, d.last_modified).bind(3, now).bind(4, d.source);
  s.run();
  return sqlite3_changes(db_.handle()) > 0;
}

void ObservationStore::forEachVersion(const std::function<void(const ObservationVersion&)>& visit) {
  Statement s = db_.prepare(
      "SELECT id, version_key, last_updated, status, resource, source FROM observation_versions ORDER BY received_at, rowid");
  ObservationVersion v;
  while (s.step()) {
    v.id = s.text(0);
    v.version_key = s.text(1);
    v.last_updated = s.optionalText(2);
    v.status = s.text(3);
    v.resource = s.text(4);
    v.source = s.text(5);
    visit(v);
  }
}

std::vector<Deletion> ObservationStore::deletions() {
  std::vector<Deletion> out;
  Statement s = db_.prepare("SELECT id, last_modified, source FROM deletions ORDER BY id");
  while (s.step())
    out.push_back({s.text(0), s.optionalText(1), s.text(2)});
  return out;
}

std::vector<std::string> ObservationStore::observationIds() {
  std::vector<std::string> out;
  Statement s = db_.prepare("SELECT DISTINCT id FROM observation_versions ORDER BY id");
  while (s.step())
    out.push_back(s.text(0));
  return out;
}

bool ObservationStore::hasUsableVersion(const std::string& id) {
  Statement s =
      db_.prepare("SELECT 1 FROM observation_versions WHERE id = ?1 AND status IN ('final', 'amended', 'corrected') LIMIT 1");
  s.bind(1, id);
  return s.step();
}

std::size_t ObservationStore::versionCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM observation_versions");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::optional<std::string> ObservationStore::watermark(const std::string& query_key) {
  Statement s = db_.prepare("SELECT last_updated FROM watermarks WHERE query_key = ?1");
  s.bind(1, query_key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void ObservationStore::setWatermark(const std::string& query_key, const std::string& last_updated, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO watermarks (query_key, last_updated, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(query_key) DO UPDATE SET last_updated = excluded.last_updated, updated_at = excluded.updated_at");
  s.bind(1, query_key).bind(2, last_updated).bind(3, now);
  s.run();
}

std::optional<std::string> ObservationStore::meta(const std::string& key) {
  Statement s = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void ObservationStore::setMeta(const std::string& key, const std::string& value) {
  Statement s =
      db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, key).bind(2, value);
  s.run();
}

RecordChanges ObservationStore::replaceRecords(const std::vector<StoredRecord>& records, const std::string& rules_hash,
                                               const std::string& now,
                                               std::vector<std::pair<std::string, std::string>>* changed) {
  RecordChanges changes;
  std::map<std::string, std::string> existing;  // observation_id -> ndjson
  {
    Statement s = db_.prepare("SELECT observation_id, record_ndjson FROM records");
    while (s.step())
      existing.emplace(s.text(0), s.text(1));
  }
  Statement upsert = db_.prepare(
      "INSERT INTO records (observation_id, subject_id, analyte, effective, observation, record_ndjson, record_csv, rules_hash, "
      "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(observation_id) DO UPDATE SET "
      "subject_id = excluded.subject_id, analyte = excluded.analyte, effective = excluded.effective, observation = "
      "excluded.observation, record_ndjson = excluded.record_ndjson, record_csv = excluded.record_csv, rules_hash = "
      "excluded.rules_hash, updated_at = excluded.updated_at");
  Statement history = db_.prepare(
      "INSERT INTO record_history (observation_id, change, before_ndjson, after_ndjson, rules_hash, at) VALUES (?1, ?2, ?3, ?4, "
      "?5, ?6)");
  Statement remove = db_.prepare("DELETE FROM records WHERE observation_id = ?1");
  for (const StoredRecord& r : records) {
    auto it = existing.find(r.observation_id);
    std::optional<std::string> before;
    if (it != existing.end()) {
      before = it->second;
      existing.erase(it);
      if (*before == r.ndjson) continue;
    }
    upsert.bind(1, r.observation_id).bind(2, r.subject_id).bind(3, r.analyte).bindOptional(4, r.effective).bind(5, r.observation);
    upsert.bind(6, r.ndjson).bind(7, r.csv).bind(8, rules_hash).bind(9, now);
    upsert.run();
    const char* change = before ? "updated" : "created";
    history.bind(1, r.observation_id)
        .bind(2, std::string_view(change))
        .bindOptional(3, before)
        .bind(4, r.ndjson)
        .bind(5, rules_hash)
        .bind(6, now);
    history.run();
    (before ? changes.updated : changes.created)++;
    if (changed) changed->emplace_back(r.observation_id, change);
  }
  for (const auto& [id, ndjson] : existing) {
    remove.bind(1, id);
    remove.run();
    history.bind(1, id).bind(2, std::string_view("removed")).bind(3, ndjson).bindNull(4).bind(5, rules_hash).bind(6, now);
    history.run();
    ++changes.removed;
    if (changed) changed->emplace_back(id, "removed");
  }
  return changes;
}

void ObservationStore::forEachRecord(const std::function<void(const StoredRecord&)>& visit) {
  // SQLite sorts NULL first in ascending order and compares TEXT bytewise: the map order.
  Statement s = db_.prepare(
      "SELECT observation_id, subject_id, analyte, effective, observation, record_ndjson, record_csv FROM records "
      "ORDER BY subject_id, analyte, effective, observation");
  StoredRecord r;
  while (s.step()) {
    r.observation_id = s.text(0);
    r.subject_id = s.text(1);
    r.analyte = s.text(2);
    r.effective = s.optionalText(3);
    r.observation = s.text(4);
    r.ndjson = s.text(5);
    r.csv = s.text(6);
    visit(r);
  }
}

}  // namespace fa::store

#include "store/observation_store.h"

#include "engine/version_resolution.h"
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
  return db_.changes() > 0;
}

bool ObservationStore::putDeletion(const Deletion& d, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO deletions (id, last_modified, detected_at, source) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET last_modified = excluded.last_modified "
      "WHERE excluded.last_modified IS NOT NULL AND (deletions.last_modified IS NULL OR excluded.last_modified > "
      "deletions.last_modified)");
  s.bind(1, d.id).bindOptional(2, d.last_modified).bind(3, now).bind(4, d.source);
  s.run();
  return db_.changes() > 0;
}

void ObservationStore::forEachVersion(const std::function<void(const ObservationVersion&)>& visit) {
  Statement s = db_.prepare(
      "SELECT id, version_key, last_updated, status, resource, source FROM observation_versions ORDER BY received_at, rowid");
  visitVersionRows(s, visit);
}

void ObservationStore::visitVersionRows(Statement& rows, const std::function<void(const ObservationVersion&)>& visit) {
  ObservationVersion v;
  while (rows.step()) {
    v.id = rows.text(0);
    v.version_key = rows.text(1);
    v.last_updated = rows.optionalText(2);
    v.status = rows.text(3);
    v.resource = rows.text(4);
    v.source = rows.text(5);
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
  // The rule has one home, in the engine; an id has a handful of versions.
  Statement s = db_.prepare("SELECT status FROM observation_versions WHERE id = ?1");
  s.bind(1, id);
  while (s.step())
    if (engine::isUsableStatus(s.text(0))) return true;
  return false;
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

std::optional<std::string> ObservationStore::lastSyncTime() {
  Statement s = db_.prepare("SELECT max(updated_at) FROM watermarks");
  if (!s.step() || s.isNull(0)) return std::nullopt;
  return s.text(0);
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

}  // namespace fa::store

// ObservationStore: what the current records were computed from (schema step 7), so the daemon
// recomputes only what changed (adapter/sync/record_builder.h). The change log tables are
// filled by triggers on observation_versions and deletions.
#include "store/observation_store.h"

namespace fa::store {
namespace {

// The ids of one question, in a temporary table the queries join (unique, any size).
void fillScope(SqliteDb& db, const std::vector<std::string>& ids) {
  db.exec("CREATE TEMP TABLE IF NOT EXISTS scope_ids (id TEXT PRIMARY KEY) WITHOUT ROWID");
  db.exec("DELETE FROM temp.scope_ids");
  Statement s = db.prepare("INSERT OR IGNORE INTO temp.scope_ids (id) VALUES (?1)");
  for (const std::string& id : ids) {
    s.bind(1, id);
    s.run();
  }
}

}  // namespace

std::optional<ObservationStore::RecordInputs> ObservationStore::recordInputs() {
  Statement s = db_.prepare("SELECT mappings_hash, roster_hash, engine, skipped_not_on_roster FROM record_inputs WHERE id = 1");
  if (!s.step()) return std::nullopt;
  return RecordInputs{s.text(0), s.text(1), s.text(2), static_cast<std::uint64_t>(s.integer(3))};
}

void ObservationStore::setRecordInputs(const RecordInputs& inputs) {
  Statement s = db_.prepare(
      "INSERT OR REPLACE INTO record_inputs (id, mappings_hash, roster_hash, engine, skipped_not_on_roster) "
      "VALUES (1, ?1, ?2, ?3, ?4)");
  s.bind(1, inputs.mappings_hash)
      .bind(2, inputs.roster_hash)
      .bind(3, inputs.engine)
      .bind(4, static_cast<std::int64_t>(inputs.skipped_not_on_roster));
  s.run();
  db_.exec("DELETE FROM changed_versions");
  db_.exec("DELETE FROM changed_deletions");
}

std::vector<std::string> ObservationStore::changedObservationIds() {
  std::vector<std::string> out;
  Statement s = db_.prepare("SELECT id FROM changed_versions UNION SELECT id FROM changed_deletions ORDER BY 1");
  while (s.step())
    out.push_back(s.text(0));
  return out;
}

std::size_t ObservationStore::changedObservationCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM (SELECT id FROM changed_versions UNION SELECT id FROM changed_deletions)");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::vector<std::pair<std::string, std::string>> ObservationStore::changedVersions() {
  std::vector<std::pair<std::string, std::string>> out;
  Statement s = db_.prepare("SELECT id, version_key FROM changed_versions ORDER BY id, version_key");
  while (s.step())
    out.emplace_back(s.text(0), s.text(1));
  return out;
}

void ObservationStore::forEachVersionOf(const std::vector<std::string>& ids,
                                        const std::function<void(const ObservationVersion&)>& visit) {
  fillScope(db_, ids);
  Statement s = db_.prepare(
      "SELECT id, version_key, last_updated, status, resource, source FROM observation_versions "
      "WHERE id IN (SELECT id FROM temp.scope_ids) ORDER BY received_at, rowid");
  visitVersionRows(s, visit);
}

std::vector<Deletion> ObservationStore::deletionsOf(const std::vector<std::string>& ids) {
  fillScope(db_, ids);
  std::vector<Deletion> out;
  Statement s =
      db_.prepare("SELECT id, last_modified, source FROM deletions WHERE id IN (SELECT id FROM temp.scope_ids) ORDER BY id");
  while (s.step())
    out.push_back({s.text(0), s.optionalText(1), s.text(2)});
  return out;
}

std::vector<std::pair<std::string, std::string>> ObservationStore::recordGroupsOf(const std::vector<std::string>& ids) {
  fillScope(db_, ids);
  std::vector<std::pair<std::string, std::string>> out;
  Statement s = db_.prepare(
      "SELECT DISTINCT subject_id, analyte FROM records WHERE observation_id IN (SELECT id FROM temp.scope_ids) ORDER BY 1, 2");
  while (s.step())
    out.emplace_back(s.text(0), s.text(1));
  return out;
}

std::vector<std::string> ObservationStore::recordIdsInGroups(const std::vector<std::pair<std::string, std::string>>& groups) {
  std::vector<std::string> out;
  Statement s = db_.prepare("SELECT observation_id FROM records WHERE subject_id = ?1 AND analyte = ?2");
  for (const auto& [subject, analyte] : groups) {
    s.bind(1, subject).bind(2, analyte);
    while (s.step())
      out.push_back(s.text(0));
    s.reset();
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::optional<std::string>, std::size_t>> ObservationStore::recordCountsByFlag() {
  std::vector<std::pair<std::optional<std::string>, std::size_t>> out;
  Statement s = db_.prepare("SELECT flag, COUNT(*) FROM records GROUP BY flag ORDER BY flag");
  while (s.step())
    out.emplace_back(s.optionalText(0), static_cast<std::size_t>(s.integer(1)));
  return out;
}

void ObservationStore::forEachRejection(const std::function<void(const VersionRejection&)>& visit) {
  Statement s = db_.prepare(
      "SELECT r.id, r.version_key, r.resource, r.why FROM record_rejections r "
      "JOIN observation_versions v ON v.id = r.id AND v.version_key = r.version_key ORDER BY v.received_at, v.rowid");
  while (s.step())
    visit({s.text(0), s.text(1), s.text(2), s.text(3)});
}

std::size_t ObservationStore::rejectionCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM record_rejections");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void ObservationStore::addRejections(const std::vector<VersionRejection>& rejections) {
  Statement s = db_.prepare("INSERT OR REPLACE INTO record_rejections (id, version_key, resource, why) VALUES (?1, ?2, ?3, ?4)");
  for (const VersionRejection& r : rejections) {
    s.bind(1, r.id).bind(2, r.version_key).bind(3, r.resource).bind(4, r.why);
    s.run();
  }
}

void ObservationStore::replaceRejections(const std::vector<VersionRejection>& rejections) {
  db_.exec("DELETE FROM record_rejections");
  addRejections(rejections);
}

}  // namespace fa::store

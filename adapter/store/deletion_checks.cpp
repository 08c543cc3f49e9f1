// The store side of the sync engine's deletion checks: pending deletions (a 404/410 seen once),
// their confirmation or undoing, and the counts the mass-withdrawal guard compares.
#include <sqlite3.h>

#include "store/observation_store.h"

namespace fa::store {

void ObservationStore::notePendingDeletion(const std::string& id, int status, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO pending_deletions (id, first_seen, last_seen, last_status) VALUES (?1, ?2, ?2, ?3) "
      "ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen, last_status = excluded.last_status");
  s.bind(1, id).bind(2, now).bind(3, static_cast<std::int64_t>(status));
  s.run();
}

std::optional<ObservationStore::PendingDeletion> ObservationStore::pendingDeletion(const std::string& id) {
  Statement s = db_.prepare("SELECT id, first_seen, last_seen, last_status FROM pending_deletions WHERE id = ?1");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return PendingDeletion{s.text(0), s.text(1), s.text(2), static_cast<int>(s.integer(3))};
}

std::size_t ObservationStore::pendingDeletionCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM pending_deletions");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

bool ObservationStore::confirmDeletion(const Deletion& d, const std::string& now) {
  const bool fresh = putDeletion(d, now);
  Statement s = db_.prepare("DELETE FROM pending_deletions WHERE id = ?1");
  s.bind(1, d.id);
  s.run();
  return fresh;
}

ObservationStore::DeletionUndo ObservationStore::undoDeletions(const std::vector<std::string>& ids) {
  DeletionUndo undo;
  Statement pending = db_.prepare("DELETE FROM pending_deletions WHERE id = ?1");
  Statement confirmed = db_.prepare("DELETE FROM deletions WHERE id = ?1");
  for (const std::string& id : ids) {
    pending.bind(1, id);
    pending.run();
    undo.pending_cleared += sqlite3_changes(db_.handle());
    confirmed.bind(1, id);
    confirmed.run();
    if (sqlite3_changes(db_.handle()) > 0) undo.deletions_undone.push_back(id);
  }
  return undo;
}

std::size_t ObservationStore::recordCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM records");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::size_t ObservationStore::recordCountOf(const std::vector<std::string>& ids) {
  Statement s = db_.prepare("SELECT COUNT(*) FROM records WHERE observation_id = ?1");
  std::size_t count = 0;
  for (const std::string& id : ids) {
    s.bind(1, id);
    s.step();
    count += static_cast<std::size_t>(s.integer(0));
    s.reset();
  }
  return count;
}

void ObservationStore::clearWatermark(const std::string& query_key) {
  Statement s = db_.prepare("DELETE FROM watermarks WHERE query_key = ?1");
  s.bind(1, query_key);
  s.run();
}

}  // namespace fa::store

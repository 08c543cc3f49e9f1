#include "store/notification_store.h"

namespace fa::store {

bool NotificationStore::enqueue(const NewNotification& n, const std::string& received_at) {
  Statement s = db_.prepare(
      "INSERT OR IGNORE INTO notifications (received_at, shape, method, target, content_type, body, dedupe_key) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, received_at).bind(2, n.shape).bind(3, n.method).bind(4, n.target).bind(5, n.content_type).bind(6, n.body);
  s.bindOptional(7, n.dedupe_key.empty() ? std::nullopt : std::optional<std::string>(n.dedupe_key));
  s.run();
  return db_.changes() > 0;
}

std::size_t NotificationStore::pendingCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM notifications WHERE status = 'pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

std::vector<PendingNotification> NotificationStore::takePending(std::size_t max) {
  Statement s = db_.prepare(
      "SELECT seq, method, target, content_type, body FROM notifications WHERE status = 'pending' ORDER BY seq LIMIT ?1");
  s.bind(1, static_cast<std::int64_t>(max));
  std::vector<PendingNotification> out;
  while (s.step())
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

void NotificationStore::markDone(std::int64_t seq, const std::string& outcome, const std::string& processed_at) {
  Statement s = db_.prepare("UPDATE notifications SET status = 'done', outcome = ?1, processed_at = ?2 WHERE seq = ?3");
  s.bind(1, outcome).bind(2, processed_at).bind(3, seq);
  s.run();
}

std::size_t NotificationStore::pruneDone(const std::string& cutoff) {
  Statement s = db_.prepare("DELETE FROM notifications WHERE status = 'done' AND processed_at < ?1");
  s.bind(1, cutoff);
  s.run();
  return db_.changes();
}

std::optional<std::int64_t> NotificationStore::lastEvent(const std::string& subscription) {
  Statement s = db_.prepare("SELECT last_event FROM subscription_events WHERE subscription = ?1");
  s.bind(1, subscription);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

void NotificationStore::setLastEvent(const std::string& subscription, std::int64_t event, const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO subscription_events (subscription, last_event, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(subscription) DO UPDATE SET last_event = excluded.last_event, updated_at = excluded.updated_at");
  s.bind(1, subscription).bind(2, event).bind(3, now);
  s.run();
}

}  // namespace fa::store

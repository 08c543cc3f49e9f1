#pragma once
// NotificationStore: the subscription receiver's durable intake (the `notifications` table)
// and the last event number seen per subscription (`subscription_events`), as named operations.
// It works on the connection of an ObservationStore, so its operations join that store's
// transactions: a notification is marked done in the transaction that stores what it brought.
// Thread-safety: that of the ObservationStore it uses (one thread per connection).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/observation_store.h"

namespace fa::store {

// A notification exactly as received.
struct NewNotification {
  std::string shape;  // ping | resource_put | resource_post | heartbeat | event_*
  std::string method, target, content_type, body;
  std::string dedupe_key;  // "" = never a duplicate (pings, heartbeats)
};

struct PendingNotification {
  std::int64_t seq = 0;
  std::string method, target, content_type, body;
};

class NotificationStore {
 public:
  explicit NotificationStore(ObservationStore& store) : db_(store.db_) {}

  // Stores one notification (status pending); false when its dedupe key is already stored.
  bool enqueue(const NewNotification& n, const std::string& received_at);
  std::size_t pendingCount();
  // Up to `max` pending notifications, oldest first (they stay pending until markDone()).
  std::vector<PendingNotification> takePending(std::size_t max);
  void markDone(std::int64_t seq, const std::string& outcome, const std::string& processed_at);
  // Deletes done notifications processed before `cutoff` (a UTC instant in the format of
  // processed_at, so text order is time order); returns how many.
  std::size_t pruneDone(const std::string& cutoff);

  std::optional<std::int64_t> lastEvent(const std::string& subscription);
  void setLastEvent(const std::string& subscription, std::int64_t event, const std::string& now);

 private:
  SqliteDb& db_;
};

}  // namespace fa::store

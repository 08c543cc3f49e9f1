#pragma once
// NotificationQueue: the durable intake of the subscription receiver. enqueue() hands a
// notification to one writer thread, which stores it in the `notifications` table of the
// adapter's SQLite store and only then reports back, so the HTTP answer follows a durable
// write (WAL, synchronous=FULL: the commit survives a crash or power loss).
//
// Group commit: whatever arrived while the previous commit was syncing goes into the next
// transaction, so one fsync acknowledges many concurrent notifications. Duplicates (same
// dedupe key) are reported as such, stored once.
//
// Thread-safety: enqueue() may be called from any thread; callbacks run on the writer thread
// and must not block. The writer has its own SQLite connection (the daemon's other connection
// is used by its main loop only).
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/notification_store.h"
#include "store/observation_store.h"

namespace fa::callback {

// shape is shapeName(); dedupe_key "" = never a duplicate.
using QueuedNotification = store::NewNotification;

enum class EnqueueResult { Stored, Duplicate, Failed };

class NotificationQueue {
 public:
  // Opens (and migrates) the store at `store_path`. `max_batch`: most notifications per commit.
  NotificationQueue(const std::string& store_path, std::size_t max_batch);
  ~NotificationQueue();  // stop()
  NotificationQueue(const NotificationQueue&) = delete;
  NotificationQueue& operator=(const NotificationQueue&) = delete;

  void enqueue(QueuedNotification n, std::function<void(EnqueueResult)> done);
  // After each commit that stored something new (e.g. wake the processor).
  void setOnStored(std::function<void()> on_stored);
  // Writes what was already handed in, then stops the writer; later enqueues fail.
  void stop();
  std::size_t waiting() const;

 private:
  void run();

  struct Item {
    QueuedNotification n;
    std::function<void(EnqueueResult)> done;
  };
  store::ObservationStore store_;  // the writer thread's own connection
  store::NotificationStore notifications_;
  std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Item> items_;
  std::function<void()> on_stored_;
  bool stopping_ = false;
  std::thread writer_;
};

// UTC now as an ISO instant with milliseconds (received_at, processed_at).
std::string nowInstant();

}  // namespace fa::callback

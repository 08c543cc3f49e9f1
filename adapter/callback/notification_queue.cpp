#include "callback/notification_queue.h"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/civil_time.h"
#include "store/migrations.h"

namespace fa::callback {

NotificationQueue::NotificationQueue(const std::string& store_path, std::size_t max_batch)
    : db_(store_path, store::SqliteDb::Mode::ReadWrite), max_batch_(max_batch == 0 ? 1 : max_batch) {
  store::migrate(db_);
  writer_ = std::thread([this] { run(); });
}

NotificationQueue::~NotificationQueue() {
  stop();
}

void NotificationQueue::setOnStored(std::function<void()> on_stored) {
  std::lock_guard lock(mutex_);
  on_stored_ = std::move(on_stored);
}

void NotificationQueue::enqueue(QueuedNotification n, std::function<void(EnqueueResult)> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      items_.push_back({std::move(n), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(EnqueueResult::Failed);
}

std::size_t NotificationQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

void NotificationQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
}

void NotificationQueue::run() {
  store::Statement insert = db_.prepare(
      "INSERT OR IGNORE INTO notifications (received_at, shape, method, target, content_type, body, dedupe_key) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  std::vector<Item> batch;
  std::vector<EnqueueResult> results;
  while (true) {
    std::function<void()> onStored;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !items_.empty(); });
      if (items_.empty()) return;  // stopping, and everything handed in is written
      const std::size_t n = std::min(items_.size(), max_batch_);
      batch.assign(std::make_move_iterator(items_.begin()),
                   std::make_move_iterator(items_.begin() + static_cast<std::ptrdiff_t>(n)));
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
      onStored = on_stored_;
    }
    results.assign(batch.size(), EnqueueResult::Failed);
    bool anyNew = false;
    try {
      store::SqliteDb::Transaction t(db_);
      const std::string now = nowInstant();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const QueuedNotification& q = batch[i].n;
        insert.bind(1, now).bind(2, q.shape).bind(3, q.method).bind(4, q.target).bind(5, q.content_type).bind(6, q.body);
        if (q.dedupe_key.empty())
          insert.bindNull(7);
        else
          insert.bind(7, q.dedupe_key);
        insert.run();
        const bool stored = sqlite3_changes(db_.handle()) > 0;
        results[i] = stored ? EnqueueResult::Stored : EnqueueResult::Duplicate;
        anyNew = anyNew || stored;
      }
      t.commit();  // synchronous=FULL: durable when this returns
    } catch (const store::StoreError&) {
      insert.reset();
      results.assign(batch.size(), EnqueueResult::Failed);  // the caller answers 503: the server retries
      anyNew = false;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].done(results[i]);
    batch.clear();
    if (anyNew && onStored) onStored();
  }
}

}  // namespace fa::callback

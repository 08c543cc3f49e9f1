#include "callback/notification_queue.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/civil_time.h"

namespace fa::callback {

std::string nowInstant() {
  return core::formatInstantUtc(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

NotificationQueue::NotificationQueue(const std::string& store_path, std::size_t max_batch)
    : store_(store_path, store::SqliteDb::Mode::ReadWrite),  // opening migrates
      notifications_(store_),
      max_batch_(max_batch == 0 ? 1 : max_batch) {
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
      auto t = store_.transaction();
      const std::string now = nowInstant();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const bool stored = notifications_.enqueue(batch[i].n, now);
        results[i] = stored ? EnqueueResult::Stored : EnqueueResult::Duplicate;
        anyNew = anyNew || stored;
      }
      t.commit();  // synchronous=FULL: durable when this returns
    } catch (const store::StoreError&) {
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

#pragma once
// OrderedBatches: batches of work done on worker threads and handed back in the order they
// were submitted. The caller's thread fills a batch, submits it, and takes finished batches
// back oldest first; a fixed set of batches circulates, so memory stays bounded and nothing
// is allocated per batch once they are warm (docs/architecture.md, "Parallel reading").
//
// `work(batch, worker)` runs on worker `worker` (0-based; callers keep per-worker state by
// it) and must touch nothing the caller's thread uses meanwhile. An exception from `work` is
// rethrown on the caller's thread when that batch's turn comes. However the caller leaves
// (an exception included), the destructor stops and joins the workers.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fa::common {

template <typename Batch>
class OrderedBatches {
 public:
  using Work = std::function<void(Batch&, std::size_t worker)>;
  using Take = std::function<void(Batch&)>;

  // Two batches per worker (one worked on, one waiting) and one with the caller.
  OrderedBatches(std::size_t workers, Work work) : work_(std::move(work)), slots_(2 * workers + 1) {
    for (std::size_t w = 0; w < workers; ++w)
      threads_.emplace_back([this, w] { run(w); });
  }
  ~OrderedBatches() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : threads_)
      t.join();
  }
  OrderedBatches(const OrderedBatches&) = delete;
  OrderedBatches& operator=(const OrderedBatches&) = delete;

  // A batch to fill. When every batch is in flight, the oldest is first waited for and given
  // to `take`.
  Batch& next(const Take& take) {
    if (queued_ == slots_.size()) takeOldest(take);
    return slots_[(oldest_ + queued_) % slots_.size()].batch;
  }
  // Hands the batch next() returned to the workers.
  void submit() {
    Slot& s = slots_[(oldest_ + queued_) % slots_.size()];
    {
      std::lock_guard lock(mutex_);
      s.state = State::Queued;
      s.failure = nullptr;
      pending_.push_back(&s);
    }
    ++queued_;
    work_ready_.notify_one();
  }
  // Every submitted batch to `take`, in order.
  void drain(const Take& take) {
    while (queued_ > 0)
      takeOldest(take);
  }

 private:
  enum class State { Free, Queued, Done };
  struct Slot {
    Batch batch;
    State state = State::Free;  // guarded by mutex_
    std::exception_ptr failure;
  };

  void takeOldest(const Take& take) {
    Slot& s = slots_[oldest_];
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return s.state == State::Done; });
      s.state = State::Free;
    }
    oldest_ = (oldest_ + 1) % slots_.size();
    --queued_;
    if (s.failure) std::rethrow_exception(s.failure);
    take(s.batch);
  }

  void run(std::size_t worker) {
    while (true) {
      Slot* s = nullptr;
      {
        std::unique_lock lock(mutex_);
        work_ready_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (stopping_) return;
        s = pending_.front();
        pending_.erase(pending_.begin());
      }
      try {
        work_(s->batch, worker);
      } catch (...) {
        s->failure = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        s->state = State::Done;
      }
      done_.notify_all();
    }
  }

  Work work_;
  std::vector<Slot> slots_;
  std::size_t oldest_ = 0, queued_ = 0;  // the caller's thread only
  std::mutex mutex_;
  std::condition_variable work_ready_, done_;
  std::vector<Slot*> pending_;  // submitted, not yet taken by a worker (at most slots_.size())
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

}  // namespace fa::common

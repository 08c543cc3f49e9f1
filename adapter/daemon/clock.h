#pragma once
// Clock: the daemon's one source of time, injected so that its schedule (poll interval,
// rescans, readiness, sync lag) is tested without waiting. System time for what is written or
// compared with the server's instants; steady time for intervals.
#include <chrono>
#include <mutex>

namespace fa::daemon {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point systemNow() const = 0;
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock : public Clock {
 public:
  std::chrono::system_clock::time_point systemNow() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point steadyNow() const override { return std::chrono::steady_clock::now(); }
};

// Tests: time moves only when advance() is called (both clocks together). Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start) : system_(start) {}
  std::chrono::system_clock::time_point systemNow() const override {
    std::lock_guard lock(mutex_);
    return system_;
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    std::lock_guard lock(mutex_);
    return steady_;
  }
  void advance(std::chrono::seconds d) {
    std::lock_guard lock(mutex_);
    system_ += d;
    steady_ += d;
  }

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point system_;
  std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
};

}  // namespace fa::daemon

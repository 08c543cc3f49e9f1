#pragma once
// SignalWaiter: SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken by one waiter
// thread (no async-signal-safety traps): it sets flags and wakes the work loop. Construct it
// before any other thread starts, so that they inherit the blocked mask.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace fa::daemon {

class SignalWaiter {
 public:
  SignalWaiter();
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  bool stopRequested() const { return stop_; }
  // Wakes waitUntil() early without a signal (a push notification was stored). Any thread.
  void poke();
  // SIGHUP since the last call?
  bool takeReload();
  // Sleeps until `deadline`, waking early on a signal or a poke; calls `tick` every few
  // seconds (the systemd watchdog).
  void waitUntil(std::chrono::steady_clock::time_point deadline, const std::function<void()>& tick);

 private:
  void run();

  sigset_t set_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  bool reload_ = false;
  bool poked_ = false;
};

}  // namespace fa::daemon

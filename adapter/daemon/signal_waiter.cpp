#include "daemon/signal_waiter.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace fa::daemon {

SignalWaiter::SignalWaiter() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  thread_ = std::thread([this] { run(); });
}

void SignalWaiter::run() {
  while (true) {
    int sig = 0;
    if (sigwait(&set_, &sig) != 0) continue;
    std::lock_guard lock(mutex_);
    if (sig == SIGHUP) {
      reload_ = true;
    } else {
      stop_ = true;
    }
    wake_.notify_all();
    if (stop_) return;
  }
}

SignalWaiter::~SignalWaiter() {
  {
    std::lock_guard lock(mutex_);
    if (!stop_) {
      stop_ = true;
      pthread_kill(thread_.native_handle(), SIGTERM);  // unblocks sigwait; it then returns
    }
  }
  thread_.join();
}

void SignalWaiter::poke() {
  std::lock_guard lock(mutex_);
  poked_ = true;
  wake_.notify_all();
}

bool SignalWaiter::takeReload() {
  std::lock_guard lock(mutex_);
  return std::exchange(reload_, false);
}

void SignalWaiter::waitUntil(std::chrono::steady_clock::time_point deadline, const std::function<void()>& tick) {
  std::unique_lock lock(mutex_);
  while (!stop_ && !reload_ && !poked_ && std::chrono::steady_clock::now() < deadline) {
    wake_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
    lock.unlock();
    tick();
    lock.lock();
  }
  poked_ = false;
}

}  // namespace fa::daemon

#pragma once
// Login throttling (pure, injected clock): a login is locked for `lockout` after
// `max_failures` failed passwords in a row (whatever the source), and all logins together are
// limited to `max_attempts_per_minute`, so a password cannot be guessed by brute force. The
// console audits every failure and every lock (no passwords, the login only).
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "console/sessions.h"

namespace fa::console {

struct LoginLimits {
  int max_failures = 5;
  std::chrono::seconds lockout{15 * 60};
  std::size_t max_attempts_per_minute = 30;
};

enum class LoginGate { Open, Locked, RateLimited };

class LoginGuard {
 public:
  LoginGuard(LoginLimits limits, SteadyNow now) : limits_(limits), now_(std::move(now)) {}

  // Whether an attempt for this login may be checked now; counts the attempt toward the rate.
  LoginGate admit(const std::string& login);
  // A wrong password (or unknown login): true when this failure locked the login.
  bool failed(const std::string& login);
  void succeeded(const std::string& login);

 private:
  struct State {
    int failures = 0;
    std::chrono::steady_clock::time_point locked_until{};
  };
  LoginLimits limits_;
  SteadyNow now_;
  std::mutex mutex_;
  std::map<std::string, State> states_;
  std::deque<std::chrono::steady_clock::time_point> attempts_;  // within the last minute
};

}  // namespace fa::console

#include "console/login_guard.h"

namespace fa::console {

LoginGate LoginGuard::admit(const std::string& login) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  while (!attempts_.empty() && now - attempts_.front() >= std::chrono::minutes(1))
    attempts_.pop_front();
  if (auto it = states_.find(login); it != states_.end() && now < it->second.locked_until) return LoginGate::Locked;
  if (attempts_.size() >= limits_.max_attempts_per_minute) return LoginGate::RateLimited;
  attempts_.push_back(now);
  return LoginGate::Open;
}

bool LoginGuard::failed(const std::string& login) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  if (states_.size() > 100'000) states_.clear();  // bounded memory under a flood of invented logins
  State& s = states_[login];
  if (++s.failures < limits_.max_failures) return false;
  s.failures = 0;
  s.locked_until = now + limits_.lockout;
  return true;
}

void LoginGuard::succeeded(const std::string& login) {
  std::lock_guard lock(mutex_);
  states_.erase(login);
}

}  // namespace fa::console

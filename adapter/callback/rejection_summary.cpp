#include "callback/rejection_summary.h"

#include <utility>

namespace fa::callback {

std::size_t RejectionCounts::total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : unauthenticated)
    n += count;
  for (const auto& [status, count] : rejected)
    n += count;
  return n;
}

std::string RejectionCounts::list(const std::map<std::string, std::size_t>& counts) {
  std::string out;
  for (const auto& [what, count] : counts)
    out += (out.empty() ? "" : ",") + what + "=" + std::to_string(count);
  return out;
}

RejectionSummary::RejectionSummary(std::chrono::seconds interval, Clock now) : interval_(interval), now_(std::move(now)) {}

void RejectionSummary::started() {
  if (!start_) start_ = now_();
}

void RejectionSummary::unauthenticated(const std::string& reason) {
  std::lock_guard lock(mutex_);
  started();
  ++counts_.unauthenticated[reason];
}

void RejectionSummary::rejected(int status) {
  std::lock_guard lock(mutex_);
  started();
  ++counts_.rejected[std::to_string(status)];
}

std::optional<RejectionCounts> RejectionSummary::takeDue() {
  std::lock_guard lock(mutex_);
  if (!start_) return std::nullopt;
  const auto elapsed = now_() - *start_;
  if (elapsed < interval_) return std::nullopt;
  RejectionCounts out = std::exchange(counts_, {});
  out.seconds = std::chrono::duration_cast<std::chrono::seconds>(elapsed);
  start_.reset();
  return out;
}

}  // namespace fa::callback

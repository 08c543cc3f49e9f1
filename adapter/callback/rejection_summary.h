#pragma once
// RejectionSummary: rejected notifications (401s, 400s, ...) counted per interval, so that a
// flood of them costs one log line and one audit entry per interval instead of one each
// (the probe wrote 1,000 audit entries per processing round and a warning per request).
// Metrics still count each one. Thread-safe: the receiver's threads count, the daemon's work
// loop takes. The clock is injected (tests use a manual one).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace fa::callback {

struct RejectionCounts {
  std::chrono::seconds seconds{0};                     // how long the interval ran
  std::map<std::string, std::size_t> unauthenticated;  // by reason (missing_token, bad_signature, ...)
  std::map<std::string, std::size_t> rejected;         // by HTTP status ("400", "415", ...)
  std::size_t total() const;
  // "bad_token=10,missing_token=2" (sorted by reason)
  static std::string list(const std::map<std::string, std::size_t>& counts);
};

class RejectionSummary {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit RejectionSummary(
      std::chrono::seconds interval = std::chrono::seconds(60), Clock now = [] { return std::chrono::steady_clock::now(); });

  void unauthenticated(const std::string& reason);
  void rejected(int status);
  // The counts of an interval that has ended, once (nullopt while the interval runs, or when
  // nothing was counted). An interval starts with the first rejection after the previous one
  // was taken, so a quiet receiver reports nothing.
  std::optional<RejectionCounts> takeDue();

 private:
  void started();  // with mutex_ held

  const std::chrono::seconds interval_;
  const Clock now_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> start_;
  RejectionCounts counts_;
};

}  // namespace fa::callback

// Rejected notifications summarised per interval (one log line and one audit entry each),
// on a manual clock: no waiting.
#include "callback/rejection_summary.h"

#include <gtest/gtest.h>

namespace fa::callback {
namespace {

using namespace std::chrono_literals;

struct ManualClock {
  std::chrono::steady_clock::time_point now{};
  RejectionSummary::Clock fn() {
    return [this] { return now; };
  }
};

TEST(RejectionSummary, OneSummaryPerIntervalWhateverTheFlood) {
  ManualClock clock;
  RejectionSummary summary(60s, clock.fn());
  EXPECT_FALSE(summary.takeDue().has_value());  // nothing counted: nothing to say
  for (int i = 0; i < 10'000; ++i)
    summary.unauthenticated(i % 5 == 0 ? "missing_token" : "bad_token");
  summary.rejected(400);
  summary.rejected(415);
  summary.rejected(400);
  clock.now += 59s;
  EXPECT_FALSE(summary.takeDue().has_value());  // the interval still runs
  clock.now += 1s;
  auto due = summary.takeDue();
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->seconds, 60s);
  // 10,000 failures: every fifth (i = 0, 5, ...) missing_token = 2,000; the rest bad_token = 8,000.
  EXPECT_EQ(RejectionCounts::list(due->unauthenticated), "bad_token=8000,missing_token=2000");
  EXPECT_EQ(RejectionCounts::list(due->rejected), "400=2,415=1");
  EXPECT_EQ(due->total(), 10'003u);
  EXPECT_FALSE(summary.takeDue().has_value());  // taken once
}

// The next interval starts with the next rejection, not with the previous summary: a receiver
// that went quiet reports nothing, and one rejection an hour later waits its own minute.
TEST(RejectionSummary, AnIntervalStartsWithItsFirstRejection) {
  ManualClock clock;
  RejectionSummary summary(60s, clock.fn());
  summary.rejected(400);
  clock.now += 61s;
  ASSERT_TRUE(summary.takeDue().has_value());
  clock.now += 1h;
  EXPECT_FALSE(summary.takeDue().has_value());
  summary.unauthenticated("bad_signature");
  clock.now += 30s;
  EXPECT_FALSE(summary.takeDue().has_value());
  clock.now += 30s;
  auto due = summary.takeDue();
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(RejectionCounts::list(due->unauthenticated), "bad_signature=1");
  EXPECT_TRUE(due->rejected.empty());
}

}  // namespace
}  // namespace fa::callback

#include "callback/notification_processor.h"

#include <gtest/gtest.h>

#include <future>

#include "callback/callback_test_support.h"
#include "callback/notification_classifier.h"
#include "callback/notification_queue.h"

namespace fa::callback {
namespace {

using namespace test;

class Processing : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (tempDir("proc") / "adapter.db").string();
    store_ = std::make_unique<store::ObservationStore>(db_, store::SqliteDb::Mode::ReadWrite);
  }
  // Stores a request the way the receiver does (classified first, then queued durably).
  void receive(const std::string& method, const std::string& target, const std::string& body) {
    NotificationQueue queue(db_, 16);
    auto c = classifyNotification({method, target, "application/fhir+json", body}, "/notify");
    ASSERT_TRUE(std::holds_alternative<Notification>(c));
    std::promise<EnqueueResult> done;
    queue.enqueue({shapeName(std::get<Notification>(c).shape), method, target, "application/fhir+json", body,
                   std::get<Notification>(c).dedupe_key},
                  [&](EnqueueResult r) { done.set_value(r); });
    EXPECT_NE(done.get_future().get(), EnqueueResult::Failed);
  }
  NotificationProcessor processor() {
    return NotificationProcessor(*store_, "/notify", [this](const std::string& url) {
      reads_.push_back(url);
      net::HttpResponse r;
      const std::string id = url.substr(url.rfind('/') + 1);
      if (id == "gone") {
        r.status = 410;
      } else {
        r.status = 200;
        r.body = observation(id, "9");
      }
      return r;
    });
  }
  std::string db_;
  std::unique_ptr<store::ObservationStore> store_;
  std::vector<std::string> reads_;
};

TEST_F(Processing, FullResourcesAreStoredAsPushVersionsOnce) {
  receive("PUT", "/notify/Observation/a", observation("a", "1"));
  receive("POST", "/notify", observation("b", "2"));
  receive("POST", "/notify", backportBundle("event-notification", "2", {{"1", "c"}, {"2", "d"}}, "full-resource"));
  auto p = processor();
  EXPECT_EQ(p.pending(), 3u);
  ProcessReport r = p.processPending(100);
  EXPECT_EQ(r.notifications, 3);
  EXPECT_EQ(r.new_versions, 4);
  EXPECT_FALSE(r.poll_needed);
  EXPECT_EQ(p.pending(), 0u);
  int push = 0;
  store_->forEachVersion([&](const store::ObservationVersion& v) {
    if (v.source == "push") ++push;
  });
  EXPECT_EQ(push, 4);
  receive("PUT", "/notify/Observation/a", observation("a", "2"));  // a new version of a
  r = p.processPending(100);
  EXPECT_EQ(r.new_versions, 1);
  EXPECT_EQ(p.processPending(100).notifications, 0);
}

TEST_F(Processing, IdOnlyReadsEachResource) {
  receive("POST", "/notify", backportBundle("event-notification", "1", {{"1", "x1"}}, "id-only"));
  receive("POST", "/notify", r5Bundle("event-notification", "1", {{"1", "gone"}}, false));
  ProcessReport r = processor().processPending(100);
  EXPECT_EQ(reads_, (std::vector<std::string>{"Observation/x1", "Observation/gone"}));
  EXPECT_EQ(r.new_versions, 1);
  EXPECT_TRUE(r.poll_needed);  // the deleted one: the rescan decides
  EXPECT_EQ(r.poll_reasons["gone"], 1);
}

TEST_F(Processing, PingsEmptyEventsAndGapsAskForAPoll) {
  receive("POST", "/notify", "");
  ProcessReport r = processor().processPending(100);
  EXPECT_TRUE(r.poll_needed);
  EXPECT_EQ(r.poll_reasons["ping"], 1);

  receive("POST", "/notify", backportBundle("event-notification", "1", {{"1", "g1"}}, "full-resource"));
  receive("POST", "/notify", backportBundle("event-notification", "2", {{"2", "g2"}}, "full-resource"));
  r = processor().processPending(100);
  EXPECT_FALSE(r.poll_needed);
  receive("POST", "/notify", backportBundle("event-notification", "5", {{"5", "g5"}}, "full-resource"));  // 3 and 4 missing
  r = processor().processPending(100);
  EXPECT_TRUE(r.poll_needed);
  EXPECT_EQ(r.poll_reasons["event_gap"], 1);
  EXPECT_EQ(r.new_versions, 1);
  receive("POST", "/notify", backportBundle("heartbeat", "7", {}, "empty"));  // 6 and 7 never came
  r = processor().processPending(100);
  EXPECT_EQ(r.poll_reasons["event_gap"], 1);
  receive("POST", "/notify",
          backportBundle("event-notification", "1", {{"1", "h1"}}, "full-resource"));  // server restarted its counter
  r = processor().processPending(100);
  EXPECT_FALSE(r.poll_needed);
  receive("POST", "/notify", backportBundle("event-notification", "2", {{"2", "h2"}}, "full-resource"));
  EXPECT_FALSE(processor().processPending(100).poll_needed);
}

TEST_F(Processing, WhatWasAcceptedBeforeACrashIsProcessedAfterTheRestart) {
  receive("PUT", "/notify/Observation/k1", observation("k1", "1"));
  receive("PUT", "/notify/Observation/k2", observation("k2", "1"));
  store_.reset();  // the process died before processing
  store_ = std::make_unique<store::ObservationStore>(db_, store::SqliteDb::Mode::ReadWrite);
  ProcessReport r = processor().processPending(1);  // one, then "crash" again
  EXPECT_EQ(r.new_versions, 1);
  store_.reset();
  store_ = std::make_unique<store::ObservationStore>(db_, store::SqliteDb::Mode::ReadWrite);
  r = processor().processPending(100);
  EXPECT_EQ(r.notifications, 1);
  EXPECT_EQ(r.new_versions, 1);
  EXPECT_EQ(store_->versionCount(), 2u);
}

TEST_F(Processing, ProcessedNotificationsAreKeptAWeekThenPruned) {
  receive("PUT", "/notify/Observation/old", observation("old", "1"));
  receive("PUT", "/notify/Observation/recent", observation("recent", "1"));
  auto p = processor();
  ASSERT_EQ(p.processPending(100).notifications, 2);
  receive("PUT", "/notify/Observation/waiting", observation("waiting", "1"));  // stays pending
  // One was processed long ago, one just now.
  store::SqliteDb raw(db_, store::SqliteDb::Mode::ReadWrite);  // a look inside, beside the store
  raw.exec("UPDATE notifications SET processed_at = '2020-01-01T00:00:00.000Z' WHERE target LIKE '%/old'");
  EXPECT_EQ(p.pruneProcessed(std::chrono::hours(24 * 7)), 1u);
  EXPECT_EQ(p.pruneProcessed(std::chrono::hours(24 * 7)), 0u);
  store::Statement left = raw.prepare("SELECT target, status FROM notifications ORDER BY seq");
  std::vector<std::string> rows;
  while (left.step())
    rows.push_back(left.text(0) + " " + left.text(1));
  EXPECT_EQ(rows, (std::vector<std::string>{"/notify/Observation/recent done", "/notify/Observation/waiting pending"}));
  EXPECT_EQ(p.pending(), 1u);
}

}  // namespace
}  // namespace fa::callback

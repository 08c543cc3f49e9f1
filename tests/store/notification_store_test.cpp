// NotificationStore: the receiver's intake and event numbers as named operations.
#include <gtest/gtest.h>

#include "store/notification_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

class Notifications : public ::testing::Test {
 protected:
  NewNotification note(const std::string& target, const std::string& dedupe) {
    return {"resource_put", "PUT", target, "application/fhir+json", "{\"resourceType\":\"Observation\"}", dedupe};
  }
  test::TempDir dir;
  ObservationStore store{dir.file("adapter.db"), SqliteDb::Mode::ReadWrite};
  NotificationStore n{store};
};

TEST_F(Notifications, ADuplicateKeyIsStoredOnceAndNoKeyNeverDuplicates) {
  EXPECT_TRUE(n.enqueue(note("/notify/Observation/a", "a|1"), "2026-02-04T10:00:00.000Z"));
  EXPECT_FALSE(n.enqueue(note("/notify/Observation/a", "a|1"), "2026-02-04T10:00:01.000Z"));
  EXPECT_TRUE(n.enqueue(note("/notify", ""), "2026-02-04T10:00:02.000Z"));
  EXPECT_TRUE(n.enqueue(note("/notify", ""), "2026-02-04T10:00:03.000Z"));
  EXPECT_EQ(n.pendingCount(), 3u);  // a|1 once, and both keyless ones
}

TEST_F(Notifications, PendingAreTakenOldestFirstUntilMarkedDone) {
  n.enqueue(note("/notify/Observation/a", "a|1"), "2026-02-04T10:00:00.000Z");
  n.enqueue(note("/notify/Observation/b", "b|1"), "2026-02-04T10:00:01.000Z");
  n.enqueue(note("/notify/Observation/c", "c|1"), "2026-02-04T10:00:02.000Z");
  auto first = n.takePending(2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].target, "/notify/Observation/a");
  EXPECT_EQ(first[1].target, "/notify/Observation/b");
  EXPECT_EQ(first[0].method, "PUT");
  EXPECT_EQ(first[0].body, "{\"resourceType\":\"Observation\"}");
  EXPECT_EQ(n.takePending(2).size(), 2u);  // still pending: taking is only reading
  n.markDone(first[0].seq, "1 new, 0 known", "2026-02-04T11:00:00.000Z");
  n.markDone(first[1].seq, "0 new, 1 known", "2026-02-04T12:00:00.000Z");
  EXPECT_EQ(n.pendingCount(), 1u);
  auto rest = n.takePending(10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].target, "/notify/Observation/c");
  // Done before 11:30 is only the first; the pending one is never pruned.
  EXPECT_EQ(n.pruneDone("2026-02-04T11:30:00.000Z"), 1u);
  EXPECT_EQ(n.pruneDone("2026-02-04T11:30:00.000Z"), 0u);
  EXPECT_EQ(n.pruneDone("2099-01-01T00:00:00.000Z"), 1u);
  EXPECT_EQ(n.pendingCount(), 1u);
  EXPECT_EQ(test::rowCount(dir.file("adapter.db"), "notifications"), 1);
}

TEST_F(Notifications, TheLastEventIsKeptPerSubscription) {
  EXPECT_EQ(n.lastEvent("Subscription/s1"), std::nullopt);
  n.setLastEvent("Subscription/s1", 7, "2026-02-04T10:00:00.000Z");
  n.setLastEvent("Subscription/s2", 3, "2026-02-04T10:00:00.000Z");
  n.setLastEvent("Subscription/s1", 2, "2026-02-04T10:01:00.000Z");  // went back: the new start
  EXPECT_EQ(n.lastEvent("Subscription/s1"), std::optional<std::int64_t>(2));
  EXPECT_EQ(n.lastEvent("Subscription/s2"), std::optional<std::int64_t>(3));
}

TEST_F(Notifications, OperationsJoinTheStoresTransaction) {
  {
    auto t = store.transaction();
    n.enqueue(note("/notify/Observation/a", "a|1"), "2026-02-04T10:00:00.000Z");
    n.setLastEvent("Subscription/s1", 7, "2026-02-04T10:00:00.000Z");
  }  // no commit: rolled back
  EXPECT_EQ(n.pendingCount(), 0u);
  EXPECT_EQ(n.lastEvent("Subscription/s1"), std::nullopt);
}

}  // namespace
}  // namespace fa::store

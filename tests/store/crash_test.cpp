// Transactions and crash points: a unit of work that throws or whose process dies before
// COMMIT leaves nothing behind; record changes committed but not yet audited leave their audit
// outbox rows for the next start.
#include <gtest/gtest.h>

#include <stdexcept>

#include "store/observation_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

using test::sampleRecord;

ObservationVersion version(const std::string& id, const std::string& key) {
  return {id, key, std::nullopt, "final", "{\"id\":\"" + id + "\"}", "poll"};
}

TEST(Transactions, AnExceptionRollsBackTheWholeUnit) {
  test::TempDir dir;
  ObservationStore s(dir.file("adapter.db"), SqliteDb::Mode::ReadWrite);
  try {
    auto t = s.transaction();
    s.putVersion(version("a", "1"), "t");
    s.setWatermark("q", "2026-02-04T10:00:00Z", "t");
    s.replaceRecords({sampleRecord("a")}, "hash-1", "t");
    throw std::runtime_error("page parse failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(s.versionCount(), 0u);
  EXPECT_EQ(s.watermark("q"), std::nullopt);
  EXPECT_FALSE(s.record("a").has_value());
  EXPECT_EQ(s.pendingRecordChangeCount(), 0u);
}

TEST(CrashPoints, AProcessDyingMidTransactionLeavesOnlyWhatItCommitted) {
  test::TempDir dir;
  const std::string path = dir.file("adapter.db");
  // The child commits page 1 (two versions and its watermark), then dies inside page 2.
  const int code = test::inChild([&] {
    ObservationStore s(path, SqliteDb::Mode::ReadWrite);
    {
      auto t = s.transaction();
      s.putVersion(version("a", "1"), "t");
      s.putVersion(version("b", "1"), "t");
      s.setWatermark("q", "2026-02-04T10:00:00Z", "t");
      t.commit();
    }
    auto t = s.transaction();
    s.putVersion(version("c", "1"), "t");
    s.setWatermark("q", "2026-02-04T11:00:00Z", "t");
    s.replaceRecords({sampleRecord("a"), sampleRecord("c")}, "hash-1", "t");
    ::_exit(7);  // no COMMIT, no ROLLBACK, no close
    return 0;
  });
  ASSERT_EQ(code, 7);
  ObservationStore s(path, SqliteDb::Mode::ReadWrite);
  EXPECT_EQ(s.versionCount(), 2u);  // a and b
  EXPECT_EQ(s.observationIds(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.watermark("q"), std::optional<std::string>("2026-02-04T10:00:00Z"));
  EXPECT_FALSE(s.record("a").has_value());
  EXPECT_EQ(test::rowCount(path, "record_history"), 0);
  EXPECT_EQ(s.pendingRecordChangeCount(), 0u);
}

TEST(CrashPoints, ChangesCommittedButNotAuditedLeaveTheirOutboxRows) {
  test::TempDir dir;
  const std::string path = dir.file("adapter.db");
  // The child commits two record changes and dies before writing their audit entries.
  const int code = test::inChild([&] {
    ObservationStore s(path, SqliteDb::Mode::ReadWrite);
    auto t = s.transaction();
    s.replaceRecords({sampleRecord("a"), sampleRecord("b", "19")}, "hash-1", "2026-02-04T10:00:00.000Z");
    t.commit();
    ::_exit(0);
    return 0;
  });
  ASSERT_EQ(code, 0);
  ObservationStore s(path, SqliteDb::Mode::ReadWrite);
  auto pending = s.pendingRecordChanges(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].observation_id, "a");
  EXPECT_EQ(pending[0].change, "created");
  EXPECT_FALSE(pending[0].before.has_value());
  ASSERT_TRUE(pending[1].after.has_value());
  EXPECT_EQ(pending[1].after->value->toString(), "19");
  EXPECT_TRUE(s.record("a").has_value());
  EXPECT_TRUE(s.record("b").has_value());
}

}  // namespace
}  // namespace fa::store

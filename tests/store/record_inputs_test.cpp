// What the current records were computed from (schema step 7): the change log the triggers
// keep of versions and deletions, the inputs that forget it, the scoped record replacement and
// the stored rejections the daemon reports at a start that recomputes nothing.
#include <gtest/gtest.h>

#include "store/observation_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

using test::TempDir;
const char* const kNow = "2026-02-04T10:00:00.000Z";

ObservationVersion version(const std::string& id, const std::string& key) {
  return {id, key, std::nullopt, "final", R"({"id":")" + id + "\"}", "poll"};
}

class RecordInputsTest : public ::testing::Test {
 protected:
  TempDir dir;
  ObservationStore store{dir.file("adapter.db"), SqliteDb::Mode::ReadWrite};
};

TEST_F(RecordInputsTest, NewVersionsAreNotedOnceAndSettingTheInputsForgetsThem) {
  EXPECT_FALSE(store.recordInputs().has_value());
  EXPECT_TRUE(store.putVersion(version("o2", "1"), kNow));
  EXPECT_TRUE(store.putVersion(version("o1", "1"), kNow));
  EXPECT_FALSE(store.putVersion(version("o1", "1"), kNow));  // already stored: not new, not noted again
  EXPECT_TRUE(store.putVersion(version("o1", "2"), kNow));
  EXPECT_EQ(store.changedObservationIds(), (std::vector<std::string>{"o1", "o2"}));
  EXPECT_EQ(store.changedObservationCount(), 2u);
  using Key = std::pair<std::string, std::string>;
  EXPECT_EQ(store.changedVersions(), (std::vector<Key>{{"o1", "1"}, {"o1", "2"}, {"o2", "1"}}));
  store.setRecordInputs({"mappings-1", "roster-1", "engine-1", 3});
  EXPECT_EQ(store.changedObservationCount(), 0u);
  const auto inputs = store.recordInputs();
  ASSERT_TRUE(inputs.has_value());
  EXPECT_EQ(inputs->mappings_hash, "mappings-1");
  EXPECT_EQ(inputs->roster_hash, "roster-1");
  EXPECT_EQ(inputs->engine, "engine-1");
  EXPECT_EQ(inputs->skipped_not_on_roster, 3u);
}

TEST_F(RecordInputsTest, DeletionsWrittenMovedAndUndoneAreNoted) {
  store.putVersion(version("o1", "1"), kNow);
  store.setRecordInputs({"m", "r", "e", 0});
  EXPECT_TRUE(store.putDeletion({"o1", std::nullopt, "rescan"}, kNow));
  EXPECT_EQ(store.changedObservationIds(), std::vector<std::string>{"o1"});
  store.setRecordInputs({"m", "r", "e", 0});
  // The same deletion with no time is no change (putDeletion's WHERE): nothing noted.
  EXPECT_FALSE(store.putDeletion({"o1", std::nullopt, "rescan"}, kNow));
  EXPECT_EQ(store.changedObservationCount(), 0u);
  EXPECT_TRUE(store.putDeletion({"o1", "2026-02-03T00:00:00Z", "rescan"}, kNow));  // a time learnt: moved
  EXPECT_EQ(store.changedObservationIds(), std::vector<std::string>{"o1"});
  store.setRecordInputs({"m", "r", "e", 0});
  EXPECT_EQ(store.undoDeletions({"o1", "o7"}).deletions_undone, std::vector<std::string>{"o1"});  // counts stay direct
  EXPECT_EQ(store.changedObservationIds(), std::vector<std::string>{"o1"});
}

TEST_F(RecordInputsTest, VersionsOfSomeIdsComeInArrivalOrder) {
  store.putVersion(version("o2", "1"), "2026-02-04T10:00:01.000Z");
  store.putVersion(version("o1", "1"), "2026-02-04T10:00:02.000Z");
  store.putVersion(version("o3", "1"), "2026-02-04T10:00:03.000Z");
  store.putVersion(version("o2", "2"), "2026-02-04T10:00:04.000Z");
  store.putDeletion({"o3", std::nullopt, "rescan"}, kNow);
  std::vector<std::string> seen;
  store.forEachVersionOf({"o2", "o3"}, [&](const ObservationVersion& v) { seen.push_back(v.id + "/" + v.version_key); });
  EXPECT_EQ(seen, (std::vector<std::string>{"o2/1", "o3/1", "o2/2"}));  // received_at order, o1 left out
  ASSERT_EQ(store.deletionsOf({"o1", "o3"}).size(), 1u);
  EXPECT_EQ(store.deletionsOf({"o1", "o3"})[0].id, "o3");
}

TEST_F(RecordInputsTest, AScopedReplaceLeavesOtherRecordsAlone) {
  engine::OutcomeRecord a = test::sampleRecord("o1"), b = test::sampleRecord("o2"), c = test::sampleRecord("o3");
  c.subject_id = "S-002";
  c.flag.reset();  // a retracted record
  {
    auto t = store.transaction();
    store.replaceRecords({a, b, c}, "hash-1", kNow);
    t.commit();
  }
  store.deleteRecordChanges(1000);
  EXPECT_EQ(store.recordGroupsOf({"o1", "o3"}),
            (std::vector<std::pair<std::string, std::string>>{{"S-001", "BILI"}, {"S-002", "BILI"}}));
  EXPECT_EQ(store.recordIdsInGroups({{"S-001", "BILI"}}), (std::vector<std::string>{"o1", "o2"}));
  // Scope o1, o2: o1 changes, o2 goes; o3 (not in scope, not in the records given) stays.
  engine::OutcomeRecord a2 = test::sampleRecord("o1", "30");
  std::vector<std::pair<std::string, std::string>> changed;
  RecordChanges ch;
  {
    auto t = store.transaction();
    ch = store.replaceRecordsOf({"o1", "o2"}, {a2}, "hash-1", kNow, &changed);
    t.commit();
  }
  EXPECT_EQ(ch.updated, 1);
  EXPECT_EQ(ch.removed, 1);
  EXPECT_EQ(ch.created, 0);
  EXPECT_EQ(changed, (std::vector<std::pair<std::string, std::string>>{{"o1", "updated"}, {"o2", "removed"}}));
  EXPECT_TRUE(store.record("o3").has_value());
  EXPECT_EQ(store.pendingRecordChangeCount(), 2u);
  // By flag: o1 high, o3 null (the daemon's "retracted"); NULL sorts first.
  using FlagCount = std::pair<std::optional<std::string>, std::size_t>;
  EXPECT_EQ(store.recordCountsByFlag(), (std::vector<FlagCount>{{std::nullopt, 1}, {std::string("high"), 1}}));
}

TEST_F(RecordInputsTest, RejectionsAreKeptPerVersionInArrivalOrder) {
  store.putVersion(version("o2", "1"), "2026-02-04T10:00:01.000Z");
  store.putVersion(version("o1", "1"), "2026-02-04T10:00:02.000Z");
  store.addRejections({{"o1", "1", "Observation/o1", "valueQuantity unit"}, {"o2", "1", "", "not JSON"}});
  EXPECT_EQ(store.rejectionCount(), 2u);
  std::vector<std::string> seen;
  store.forEachRejection([&](const ObservationStore::VersionRejection& r) { seen.push_back(r.id + " " + r.why); });
  EXPECT_EQ(seen, (std::vector<std::string>{"o2 not JSON", "o1 valueQuantity unit"}));
  store.replaceRejections({{"o1", "1", "Observation/o1", "other"}});
  EXPECT_EQ(store.rejectionCount(), 1u);
}

}  // namespace
}  // namespace fa::store

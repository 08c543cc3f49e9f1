// Typed records: what goes into the store comes out field for field; a record stored the same
// is no change (no history row, no outbox row); each real change leaves one history row and one
// audit outbox row with the typed records before and after.
#include <gtest/gtest.h>

#include "engine/record_writer.h"
#include "store/observation_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

using test::dec;
using test::sampleRecord;
using test::TempDir;

std::string ndjson(const engine::OutcomeRecord& r) {
  std::string out;
  engine::appendNdjson(out, r);
  return out;
}

class Records : public ::testing::Test {
 protected:
  RecordChanges replace(const engine::OutcomeRecords& records, const char* hash = "hash-1") {
    auto t = store.transaction();
    RecordChanges c = store.replaceRecords(records, hash, "2026-02-04T10:00:00.000Z");
    t.commit();
    return c;
  }
  std::vector<engine::OutcomeRecord> all() {
    std::vector<engine::OutcomeRecord> out;
    store.forEachRecord([&](const engine::OutcomeRecord& r) { out.push_back(r); });
    return out;
  }
  TempDir dir;
  std::string path = dir.file("adapter.db");
  ObservationStore store{path, SqliteDb::Mode::ReadWrite};
};

TEST_F(Records, EveryOutputFieldRoundTrips) {
  engine::OutcomeRecord full = sampleRecord("a");
  full.comparator = core::Comparator::GreaterOrEqual;
  full.baseline = true;
  full.study_day = -3;  // before the first infusion: there is no day 0
  full.value = dec("0.0325");
  full.reason = "below LLOQ, see note";
  engine::OutcomeRecord empty;  // every nullable field null, booleans false
  empty.resource_id = "b";
  empty.subject_id = "S-002";
  empty.analyte = "ALT";
  empty.observation = "Observation/b/_history/4";
  empty.status = "retracted";
  ASSERT_EQ(replace({full, empty}).created, 2);
  auto a = store.record("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->resource_id, "a");
  EXPECT_EQ(a->comparator, core::Comparator::GreaterOrEqual);
  EXPECT_TRUE(a->baseline);
  EXPECT_TRUE(a->selected);
  EXPECT_EQ(a->study_day, std::optional<int>(-3));
  EXPECT_EQ(a->value->toString(), "0.0325");
  EXPECT_EQ(a->range.low->toString(), "3.4");
  EXPECT_EQ(a->range.high->toString(), "20.5");
  EXPECT_EQ(a->ref_source, core::RangeSource::Site);
  EXPECT_EQ(a->flag, core::Flag::High);
  EXPECT_EQ(a->ctcae_grade, std::optional<int>(1));
  EXPECT_EQ(a->source_value, std::optional<std::string>("25.5"));
  EXPECT_EQ(a->reason, std::optional<std::string>("below LLOQ, see note"));
  EXPECT_EQ(ndjson(*a), ndjson(full));  // and everything else, as `records` prints it
  auto b = store.record("b");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->comparator, core::Comparator::None);
  EXPECT_FALSE(b->effective || b->study_day || b->value || b->range.low || b->range.high || b->ref_source || b->flag ||
               b->ctcae_grade || b->reason || b->source_value || b->source_unit);
  EXPECT_FALSE(b->selected || b->baseline);
  EXPECT_EQ(ndjson(*b), ndjson(empty));
  EXPECT_FALSE(store.record("c").has_value());
}

TEST_F(Records, ForEachRecordIsInContractOrder) {
  // subject_id, analyte, effective (null first), observation.
  engine::OutcomeRecord late = sampleRecord("late"), none = sampleRecord("none"), other = sampleRecord("other");
  late.effective = "2026-03-01";
  none.effective.reset();
  other.subject_id = "S-000";
  replace({late, none, other});
  std::vector<std::string> ids;
  for (const auto& r : all())
    ids.push_back(r.resource_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"other", "none", "late"}));
}

TEST_F(Records, ARecordStoredTheSameIsNoChange) {
  replace({sampleRecord("a"), sampleRecord("b")});
  EXPECT_EQ(test::rowCount(path, "record_history"), 2);
  EXPECT_EQ(store.pendingRecordChangeCount(), 2u);
  RecordChanges again = replace({sampleRecord("a"), sampleRecord("b")}, "hash-2");  // new rules, same results
  EXPECT_FALSE(again.any());
  EXPECT_EQ(test::rowCount(path, "record_history"), 2);
  EXPECT_EQ(store.pendingRecordChangeCount(), 2u);
}

TEST_F(Records, EachChangeHasOneHistoryRowAndOneTypedOutboxRow) {
  replace({sampleRecord("a", "18.0"), sampleRecord("b")});
  store.deleteRecordChanges(store.pendingRecordChanges(10).back().seq);  // as if audited
  engine::OutcomeRecord higher = sampleRecord("a", "30.25");
  std::vector<std::pair<std::string, std::string>> changed;
  RecordChanges c;
  {
    auto t = store.transaction();
    c = store.replaceRecords({higher}, "hash-2", "2026-02-05T08:00:00.000Z", &changed);  // b is gone
    t.commit();
  }
  EXPECT_EQ(c.created, 0);
  EXPECT_EQ(c.updated, 1);
  EXPECT_EQ(c.removed, 1);
  EXPECT_EQ(changed, (std::vector<std::pair<std::string, std::string>>{{"a", "updated"}, {"b", "removed"}}));
  EXPECT_EQ(test::rowCount(path, "record_history"), 4);  // 2 created + 1 updated + 1 removed
  auto pending = store.pendingRecordChanges(10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].observation_id, "a");
  EXPECT_EQ(pending[0].change, "updated");
  EXPECT_EQ(pending[0].rules_hash, "hash-2");
  EXPECT_EQ(pending[0].at, "2026-02-05T08:00:00.000Z");
  ASSERT_TRUE(pending[0].before && pending[0].after);
  EXPECT_EQ(pending[0].before->value->toString(), "18");  // Decimal::toString: shortest exact text
  EXPECT_EQ(pending[0].after->value->toString(), "30.25");
  EXPECT_EQ(pending[1].observation_id, "b");
  EXPECT_EQ(pending[1].change, "removed");
  ASSERT_TRUE(pending[1].before.has_value());
  EXPECT_FALSE(pending[1].after.has_value());
  EXPECT_EQ(ndjson(*pending[1].before), ndjson(sampleRecord("b")));
  EXPECT_GT(pending[1].seq, pending[0].seq);
  {
    // The history keeps the NDJSON lines (without the newline) of both sides.
    SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
    Statement h = raw.prepare("SELECT change, before_ndjson, after_ndjson FROM record_history ORDER BY seq");
    std::vector<std::string> rows;
    while (h.step())
      rows.push_back(h.text(0) + "|" + h.optionalText(1).value_or("NULL") + "|" + h.optionalText(2).value_or("NULL"));
    auto line = [](const engine::OutcomeRecord& r) { return ndjson(r).substr(0, ndjson(r).size() - 1); };
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[2], "updated|" + line(sampleRecord("a", "18.0")) + "|" + line(higher));
    EXPECT_EQ(rows[3], "removed|" + line(sampleRecord("b")) + "|NULL");
  }
  store.deleteRecordChanges(pending[0].seq);  // only up to that row
  EXPECT_EQ(store.pendingRecordChangeCount(), 1u);
  EXPECT_EQ(all().size(), 1u);
}

TEST_F(Records, UsableStatusFollowsTheEngineRule) {
  // final, amended and corrected are usable (engine::isUsableStatus); preliminary is not.
  store.putVersion({"p", "1", std::nullopt, "preliminary", "{}", "poll"}, "t");
  store.putVersion({"c", "1", std::nullopt, "preliminary", "{}", "poll"}, "t");
  store.putVersion({"c", "2", std::nullopt, "corrected", "{}", "poll"}, "t");
  EXPECT_FALSE(store.hasUsableVersion("p"));
  EXPECT_TRUE(store.hasUsableVersion("c"));
  EXPECT_FALSE(store.hasUsableVersion("unknown"));
}

}  // namespace
}  // namespace fa::store

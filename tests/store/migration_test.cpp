// Migrations: stores left by every earlier schema version (built with the shipped SQL of those
// steps) open, keep their rows, and end at the current version; two processes opening an empty
// store at once both succeed; a newer store is refused.
#include <gtest/gtest.h>

#include "engine/record_writer.h"
#include "store/migrations.h"
#include "store/notification_store.h"
#include "store/observation_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

using test::TempDir;

// The `map` NDJSON line a version 1 or 2 adapter stored, written out by hand (contract field
// order, ", " and ": " separators, numbers as Decimal::toString writes them).
const std::string kStoredLine =
    R"({"subject_id": "S-002", "analyte": "ALB", "observation": "Observation/o1/_history/2", "status": "amended", )"
    R"("effective": "2026-02-03", "study_day": -3, "visit": "SCREEN", "selected": true, "baseline": false, )"
    R"("comparator": "<=", "value": 0.0325, "unit": "g/L", "source_value": "<=0.0325 g/L", "source_unit": "g/L", )"
    R"("ref_low": 35, "ref_high": null, "ref_source": "protocol", "flag": "low", "ctcae_grade": 2, )"
    R"("reason": null})";

// A store as an adapter of schema version `version` left it, with one row in each table.
void buildStore(const std::string& path, int version) {
  SqliteDb db(path, SqliteDb::Mode::ReadWrite);
  for (int v = 1; v <= version; ++v)
    db.exec(migrationStep(v));
  db.exec("PRAGMA user_version = " + std::to_string(version));
  db.exec(R"(INSERT INTO observation_versions VALUES ('o1', '2', '2026-02-04T10:00:00Z', 'amended', '{"id":"o1"}',
             'poll', '2026-02-04T10:00:01.000Z'))");
  db.exec("INSERT INTO deletions VALUES ('o9', NULL, '2026-02-04T10:00:01.000Z', 'rescan')");
  Statement r = db.prepare(
      "INSERT INTO records VALUES ('o1', 'S-002', 'ALB', '2026-02-03', 'Observation/o1/_history/2', ?1, "
      "'S-002,ALB,...', 'hash-1', '2026-02-04T10:00:02.000Z')");
  r.bind(1, kStoredLine);
  r.run();
  db.exec(
      "INSERT INTO record_history (observation_id, change, before_ndjson, after_ndjson, rules_hash, at) "
      "VALUES ('o1', 'created', NULL, '{}', 'hash-1', '2026-02-04T10:00:02.000Z')");
  db.exec("INSERT INTO watermarks VALUES ('Observation?code=ALB', '2026-02-04T10:00:00Z', '2026-02-04T10:00:02.000Z')");
  db.exec("INSERT INTO meta VALUES ('mappings_hash', 'hash-1')");
  if (version >= 2) {
    db.exec(
        "INSERT INTO notifications (received_at, shape, method, target, content_type, body, dedupe_key) "
        "VALUES ('2026-02-04T10:00:03.000Z', 'ping', 'POST', '/notify', 'application/fhir+json', '{}', NULL)");
    db.exec("INSERT INTO subscription_events VALUES ('Subscription/s1', 41, '2026-02-04T10:00:03.000Z')");
  }
}

void expectRowsSurvived(ObservationStore& s, const std::string& path) {
  EXPECT_EQ(s.versionCount(), 1u);
  ASSERT_EQ(s.deletions().size(), 1u);
  EXPECT_EQ(s.deletions()[0].id, "o9");
  EXPECT_EQ(s.watermark("Observation?code=ALB"), std::optional<std::string>("2026-02-04T10:00:00Z"));
  EXPECT_EQ(s.meta("mappings_hash"), std::optional<std::string>("hash-1"));
  EXPECT_EQ(test::rowCount(path, "record_history"), 1);
  EXPECT_EQ(s.pendingRecordChangeCount(), 0u);  // the migration itself changes no record
  // The record's typed fields come from its stored NDJSON, numbers with their exact text.
  auto r = s.record("o1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->resource_id, "o1");
  EXPECT_EQ(r->status, "amended");
  EXPECT_EQ(r->study_day, std::optional<int>(-3));
  EXPECT_TRUE(r->selected);
  EXPECT_FALSE(r->baseline);
  EXPECT_EQ(r->comparator, core::Comparator::LessOrEqual);
  EXPECT_EQ(r->value->toString(), "0.0325");
  EXPECT_EQ(r->range.low->toString(), "35");
  EXPECT_FALSE(r->range.high.has_value());
  EXPECT_EQ(r->ref_source, core::RangeSource::Protocol);
  EXPECT_EQ(r->flag, core::Flag::Low);
  EXPECT_EQ(r->ctcae_grade, std::optional<int>(2));
  EXPECT_FALSE(r->reason.has_value());
  // `records` prints exactly the line the earlier adapter stored.
  std::string line;
  engine::appendNdjson(line, *r);
  EXPECT_EQ(line, kStoredLine + "\n");
}

TEST(Migration, AVersion1StoreKeepsItsRowsAndReachesTheCurrentVersion) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  buildStore(path, 1);
  ObservationStore s(path, SqliteDb::Mode::ReadWrite);
  expectRowsSurvived(s, path);
  EXPECT_EQ(test::rowCount(path, "notifications"), 0);  // made by step 2, empty
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), kSchemaVersion);
}

TEST(Migration, AVersion2StoreKeepsItsNotificationsAndEventNumbers) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  buildStore(path, 2);
  ObservationStore s(path, SqliteDb::Mode::ReadWrite);
  expectRowsSurvived(s, path);
  NotificationStore n(s);
  EXPECT_EQ(n.pendingCount(), 1u);
  EXPECT_EQ(n.lastEvent("Subscription/s1"), std::optional<std::int64_t>(41));
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), kSchemaVersion);
}

// Step 7: a store of version 6 records no inputs of its records (the daemon's next start
// rebuilds them all) and no changes yet; what is written after the migration is noted.
TEST(Migration, AVersion6StoreStartsWithoutRecordInputsAndNotesLaterChanges) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  buildStore(path, 2);
  {
    SqliteDb db(path, SqliteDb::Mode::ReadWrite);  // steps 3-6 as a version 6 adapter ran them
    for (int v = 3; v <= 6; ++v)
      db.exec(migrationStep(v));
    db.exec("PRAGMA user_version = 6");
  }
  ObservationStore s(path, SqliteDb::Mode::ReadWrite);
  expectRowsSurvived(s, path);
  EXPECT_FALSE(s.recordInputs().has_value());
  EXPECT_EQ(s.changedObservationCount(), 0u);  // the rows of version 6 came before the triggers
  EXPECT_TRUE(s.putVersion({"o1", "3", std::nullopt, "final", R"({"id":"o1"})", "poll"}, "2026-02-05T00:00:00Z"));
  EXPECT_EQ(s.changedObservationIds(), std::vector<std::string>{"o1"});
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), kSchemaVersion);
}

TEST(Migration, AReadOnlyOpenOfAnOldStoreAsksForTheDaemonAndChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  buildStore(path, 2);
  EXPECT_THROW(ObservationStore(path, SqliteDb::Mode::ReadOnly), StoreError);
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), 2);
}

TEST(Migration, AStoreFromANewerAdapterIsRefusedUntouched) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  {
    SqliteDb db(path, SqliteDb::Mode::ReadWrite);
    db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1));
  }
  EXPECT_THROW(ObservationStore(path, SqliteDb::Mode::ReadWrite), StoreError);
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), kSchemaVersion + 1);
}

TEST(Migration, TwoProcessesMigratingAnEmptyStoreAtOnceBothSucceed) {
  // Several rounds, each on a fresh store: two children block on one pipe, the parent closes
  // it, both open the store at once. Before the version was read inside BEGIN IMMEDIATE the
  // second applied step 1 again ("table observation_versions already exists").
  for (int round = 0; round < 8; ++round) {
    TempDir dir;
    const std::string path = dir.file("adapter.db");
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    auto opener = [&] {
      return test::forkChild([&] {
        ::close(gate[1]);
        char c;
        (void)::read(gate[0], &c, 1);  // returns 0 once the parent closes its end
        ObservationStore s(path, SqliteDb::Mode::ReadWrite);
        return s.versionCount() == 0 ? 0 : 1;
      });
    };
    const pid_t a = opener(), b = opener();
    ::close(gate[0]);
    ::close(gate[1]);
    EXPECT_EQ(test::waitChild(a), 0) << "round " << round;
    EXPECT_EQ(test::waitChild(b), 0) << "round " << round;
    SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
    EXPECT_EQ(schemaVersion(raw), kSchemaVersion);
  }
}

}  // namespace
}  // namespace fa::store

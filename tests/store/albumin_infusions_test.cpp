// Albumin infusions in the store (migration step 5): typed rows, the latest reading per
// resource, read back ordered by subject, date and resource; a version 4 store gains the table.
#include <gtest/gtest.h>

#include <vector>

#include "store/migrations.h"
#include "store/observation_store.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

using test::TempDir;

std::vector<engine::AlbuminInfusion> all(ObservationStore& s) {
  std::vector<engine::AlbuminInfusion> out;
  s.forEachAlbuminInfusion([&](const engine::AlbuminInfusion& i) { out.push_back(i); });
  return out;
}

const engine::AlbuminInfusion kA{"S-002", "MedicationAdministration/12", "2026-01-20", "administration"};
const engine::AlbuminInfusion kB{"S-001", "MedicationRequest/7", "2026-01-25", "request"};
const engine::AlbuminInfusion kC{"S-001", "MedicationAdministration/3", "2026-01-10", "administration"};

TEST(AlbuminInfusions, KeptTypedAndReadInSubjectDateOrder) {
  TempDir dir;
  ObservationStore s(dir.file("adapter.db"), SqliteDb::Mode::ReadWrite);
  s.putAlbuminInfusion(kA, std::string("2026-01-20T02:00:00Z"), "2026-01-21T00:00:00.000Z");
  s.putAlbuminInfusion(kB, std::nullopt, "2026-01-26T00:00:00.000Z");
  s.putAlbuminInfusion(kC, std::nullopt, "2026-01-26T00:00:00.000Z");
  // S-001 first (2026-01-10 before 2026-01-25), then S-002.
  EXPECT_EQ(all(s), (std::vector<engine::AlbuminInfusion>{kC, kB, kA}));
  EXPECT_EQ(s.albuminInfusionCount(), 3u);
}

TEST(AlbuminInfusions, ANewerReadingReplacesAndANonInfusionRemoves) {
  TempDir dir;
  ObservationStore s(dir.file("adapter.db"), SqliteDb::Mode::ReadWrite);
  s.putAlbuminInfusion(kA, std::nullopt, "2026-01-21T00:00:00.000Z");
  engine::AlbuminInfusion moved = kA;
  moved.date = "2026-01-19";  // the administration time was corrected
  s.putAlbuminInfusion(moved, std::nullopt, "2026-01-22T00:00:00.000Z");
  EXPECT_EQ(all(s), (std::vector<engine::AlbuminInfusion>{moved}));
  EXPECT_TRUE(s.removeAlbuminInfusion("MedicationAdministration/12"));
  EXPECT_FALSE(s.removeAlbuminInfusion("MedicationAdministration/12"));  // nothing left to forget
  EXPECT_TRUE(all(s).empty());
}

TEST(AlbuminInfusions, AVersion4StoreGainsTheTableAndAReaderSeesTheRows) {
  TempDir dir;
  const std::string path = dir.file("adapter.db");
  {
    SqliteDb db(path, SqliteDb::Mode::ReadWrite);
    for (int v = 1; v <= 4; ++v)
      db.exec(migrationStep(v));
    db.exec("PRAGMA user_version = 4");
  }
  {
    ObservationStore s(path, SqliteDb::Mode::ReadWrite);
    EXPECT_EQ(s.albuminInfusionCount(), 0u);
    s.putAlbuminInfusion(kB, std::nullopt, "2026-01-26T00:00:00.000Z");
  }
  ObservationStore reader(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(all(reader), (std::vector<engine::AlbuminInfusion>{kB}));
  SqliteDb raw(path, SqliteDb::Mode::ReadOnly);
  EXPECT_EQ(schemaVersion(raw), kSchemaVersion);
}

}  // namespace
}  // namespace fa::store

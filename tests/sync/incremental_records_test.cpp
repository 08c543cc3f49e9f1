// sync::updateRecords (only what changed) against sync::rebuildRecords (everything) on two
// stores given the same writes: after every step the records, the result (changes, gauges,
// counts), the rejections reported and the audit outbox rows must be the same. The steps are
// random but seeded: new results and versions (every status, values high and low, bad JSON,
// an unknown modifierExtension, a patient off the roster), deletions written, moved and undone,
// roster and mappings changes, and audit outboxes left undrained (a crash between the store
// commit and the audit log).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/record_writer.h"
#include "mapping/config_loader.h"
#include "store/observation_store.h"
#include "support/mappings_copy.h"
#include "sync/record_builder.h"

namespace fa::sync {
namespace {

const std::string kBase = "http://fhir.test/fhir";
const char* const kNow = "2026-03-01T00:00:00Z";

// Study days with their dates (dose 1 on 2026-01-10 is day 1): baseline, W4 (twice), W12.
const std::vector<std::pair<int, std::string>> kDays = {
    {-3, "2026-01-06"}, {1, "2026-01-10"}, {29, "2026-02-07"}, {30, "2026-02-08"}, {85, "2026-04-04"}};
const std::vector<std::string> kStatuses = {"final",    "final", "amended", "corrected", "preliminary", "entered-in-error",
                                            "cancelled"};

struct Analyte {
  const char* loinc;
  const char* unit;
  std::vector<const char*> values;  // low, normal, high for the default ranges
};
const std::vector<Analyte> kAnalytes = {{"1975-2", "umol/L", {"2", "10", "80"}}, {"1751-7", "g/L", {"20", "40", "60"}}};

std::string observation(const std::string& id, int version, const std::string& patient, const Analyte& a, int day_index,
                        const std::string& value, const std::string& status, bool modifier) {
  const std::string& date = kDays[static_cast<std::size_t>(day_index)].second;
  return R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + std::to_string(version) +
         R"(","lastUpdated":"2026-02-2)" + std::to_string(version % 10) + R"(T01:00:00Z"},"status":")" + status + R"(",)" +
         (modifier ? R"("modifierExtension":[{"url":"http://example.org/unknown","valueBoolean":true}],)" : "") +
         R"("code":{"coding":[{"system":"http://loinc.org","code":")" + a.loinc + R"("}]},"subject":{"reference":"Patient/)" +
         patient + R"("},"effectiveDateTime":")" + date + R"(T08:00:00+08:00","valueQuantity":{"value":)" + value +
         R"(,"unit":")" + a.unit + R"(","system":"http://unitsofmeasure.org","code":")" + a.unit + R"("}})";
}

std::string roster(int subjects) {
  std::string text = "subject_id,patient,dose1_date,dose2_date\n";
  for (int i = 1; i <= subjects; ++i)
    text += "S0" + std::to_string(i) + ",Patient/p" + std::to_string(i) + ",2026-01-10,2026-02-07\n";
  return text;
}

std::string ndjson(const engine::OutcomeRecord& r) {
  std::string line;
  engine::appendNdjson(line, r);
  return line;
}

class IncrementalRecordsTest : public ::testing::Test {
 protected:
  IncrementalRecordsTest() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("fa-incremental-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    incremental_ = std::make_unique<store::ObservationStore>((dir_ / "a.db").string(), store::SqliteDb::Mode::ReadWrite);
    full_ = std::make_unique<store::ObservationStore>((dir_ / "b.db").string(), store::SqliteDb::Mode::ReadWrite);
    setRoster(2);
    basis_.config = mappings_.load();
    basis_.base_url = kBase;
  }
  ~IncrementalRecordsTest() override {
    incremental_.reset();
    full_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void setRoster(int subjects) {
    const std::string text = roster(subjects);
    basis_.roster = std::make_shared<const mapping::Roster>(mapping::Roster::parse(text, "subjects.csv"));
    basis_.roster_hash = "roster-" + std::to_string(subjects);  // stands for the file's SHA-256
  }

  // The same write on both stores.
  template <typename Write>
  void both(Write write) {
    write(*incremental_);
    write(*full_);
  }

  struct Outcome {
    RebuildResult result;
    std::vector<std::string> rejections;  // "resource why", as heard
  };
  Outcome update(store::ObservationStore& s, bool incremental) {
    Outcome o;
    auto hear = [&o](const engine::Rejection& r) { o.rejections.push_back(r.resource + " " + r.why); };
    o.result = incremental ? updateRecords(s, basis_, kNow, hear) : rebuildRecords(s, basis_, kNow, hear);
    return o;
  }

  static std::vector<std::string> records(store::ObservationStore& s) {
    std::vector<std::string> out;
    s.forEachRecord([&](const engine::OutcomeRecord& r) { out.push_back(ndjson(r)); });
    return out;
  }
  static std::vector<std::string> outbox(store::ObservationStore& s) {
    std::vector<std::string> out;
    for (const store::PendingRecordChange& c : s.pendingRecordChanges(1000000)) {
      out.push_back(c.observation_id + " " + c.change + " " + c.rules_hash + " " + c.at + " " +
                    (c.before ? ndjson(*c.before) : "-") + " " + (c.after ? ndjson(*c.after) : "-"));
    }
    return out;
  }
  static void drain(store::ObservationStore& s) {
    const auto pending = s.pendingRecordChanges(1000000);
    if (!pending.empty()) s.deleteRecordChanges(pending.back().seq);
  }

  // Both stores brought up to date, one incrementally, one fully; everything compared.
  Recomputed compare(const std::string& step) {
    SCOPED_TRACE(step);
    const Outcome a = update(*incremental_, true);
    const Outcome b = update(*full_, false);
    EXPECT_EQ(records(*incremental_), records(*full_));
    EXPECT_EQ(outbox(*incremental_), outbox(*full_));
    EXPECT_EQ(a.result.changes.created, b.result.changes.created);
    EXPECT_EQ(a.result.changes.updated, b.result.changes.updated);
    EXPECT_EQ(a.result.changes.removed, b.result.changes.removed);
    EXPECT_EQ(a.result.changed, b.result.changed);
    EXPECT_EQ(a.result.records, b.result.records);
    EXPECT_EQ(a.result.by_flag, b.result.by_flag);
    EXPECT_EQ(a.result.counts.rejected, b.result.counts.rejected);
    EXPECT_EQ(a.result.counts.skipped_not_on_roster, b.result.counts.skipped_not_on_roster);
    EXPECT_EQ(a.rejections, b.rejections);
    return a.result.how;
  }

  std::filesystem::path dir_;
  test::MappingsCopy mappings_;
  RecordBasis basis_;
  std::unique_ptr<store::ObservationStore> incremental_, full_;
};

// One random write (both stores); returns what it was, for the trace.
class RandomWrites {
 public:
  explicit RandomWrites(unsigned seed) : rng_(seed) {}

  std::string next(const std::function<void(const std::function<void(store::ObservationStore&)>&)>& both) {
    const unsigned kind = pick(100);
    if (ids_.empty() || kind < 35) return newVersion(both, "o" + std::to_string(ids_.size() + 1));
    const std::string id = ids_[pick(static_cast<unsigned>(ids_.size()))];
    if (kind < 65) return newVersion(both, id);
    if (kind < 70) {
      both([&](store::ObservationStore& s) {
        s.putVersion({id, "bad" + std::to_string(++serial_), {}, "final", "{not json", "poll"}, kNow);
      });
      return "bad JSON version of " + id;
    }
    if (kind < 82) {
      const std::optional<std::string> when =
          pick(2) ? std::optional<std::string>("2026-02-2" + std::to_string(pick(10)) + "T00:00:00Z") : std::nullopt;
      both([&](store::ObservationStore& s) { s.putDeletion({id, when, "rescan"}, kNow); });
      return "deletion of " + id + " at " + when.value_or("unknown");
    }
    both([&](store::ObservationStore& s) { s.undoDeletions({id}); });
    return "deletion of " + id + " undone";
  }

 private:
  unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }

  std::string newVersion(const std::function<void(const std::function<void(store::ObservationStore&)>&)>& both,
                         const std::string& id) {
    auto [it, fresh] = shape_.try_emplace(id, Shape{pick(3), pick(static_cast<unsigned>(kAnalytes.size())), 0});
    if (fresh) ids_.push_back(id);
    Shape& shape = it->second;
    if (pick(8) == 0) shape.analyte = pick(static_cast<unsigned>(kAnalytes.size()));  // recoded
    const Analyte& a = kAnalytes[shape.analyte];
    const int version = static_cast<int>(++shape.versions);
    const std::string patient = "p" + std::to_string(shape.patient + 1);  // p3 is on the roster only sometimes
    const std::string status = kStatuses[pick(static_cast<unsigned>(kStatuses.size()))];
    const std::string resource = observation(id, version, patient, a, static_cast<int>(pick(static_cast<unsigned>(kDays.size()))),
                                             a.values[pick(3)], status, pick(12) == 0);
    both([&](store::ObservationStore& s) { s.putVersion({id, std::to_string(version), {}, status, resource, "poll"}, kNow); });
    return "version " + std::to_string(version) + " of " + id + " (" + status + ", " + patient + ")";
  }

  struct Shape {
    unsigned patient, analyte, versions;
  };
  std::mt19937 rng_;
  std::vector<std::string> ids_;
  std::map<std::string, Shape> shape_;
  int serial_ = 0;
};

TEST_F(IncrementalRecordsTest, EqualsAFullRebuildAfterEveryStep) {
  int groups = 0, nothing = 0, everything = 0;
  for (unsigned seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomWrites writes(seed);
    std::mt19937 steps(seed * 7919);
    for (int step = 0; step < 40; ++step) {
      std::string what;
      const unsigned writesNow = steps() % 4;  // 0: a start with nothing new
      for (unsigned i = 0; i < writesNow; ++i)
        what += writes.next([&](const auto& write) { both(write); }) + "; ";
      if (steps() % 15 == 0) {
        setRoster(static_cast<int>(2 + steps() % 2));
        what += "roster changed; ";
      }
      if (steps() % 25 == 0) {
        mappings_.replace("ranges.json", "\"high\"", "\"high\" ");  // same rules, new hash
        basis_.config = mappings_.load();
        what += "mappings changed; ";
      }
      const Recomputed how = compare(what.empty() ? "nothing" : what);
      groups += how == Recomputed::Groups;
      nothing += how == Recomputed::Nothing;
      everything += how == Recomputed::Everything;
      if (::testing::Test::HasFailure()) return;
      if (steps() % 3 != 0) {  // else a crash before the audit log: the outbox rows stay
        drain(*incremental_);
        drain(*full_);
      }
    }
    // The next seed starts over with fresh stores.
    incremental_ = std::make_unique<store::ObservationStore>((dir_ / ("a" + std::to_string(seed) + ".db")).string(),
                                                             store::SqliteDb::Mode::ReadWrite);
    full_ = std::make_unique<store::ObservationStore>((dir_ / ("b" + std::to_string(seed) + ".db")).string(),
                                                      store::SqliteDb::Mode::ReadWrite);
  }
  // Every path was taken, the incremental one most (12 x 40 steps; the roster and mappings
  // change now and then, and a quarter of the steps write nothing).
  EXPECT_GT(groups, 200);
  EXPECT_GT(nothing, 50);
  EXPECT_GT(everything, 12);
}

TEST_F(IncrementalRecordsTest, NothingChangedWritesNothing) {
  both([](store::ObservationStore& s) {
    s.putVersion({"o1", "1", {}, "final", observation("o1", 1, "p1", kAnalytes[0], 1, "80", "final", false), "poll"}, kNow);
  });
  EXPECT_EQ(compare("first"), Recomputed::Everything);  // no inputs recorded yet
  drain(*incremental_);
  drain(*full_);
  EXPECT_EQ(compare("again"), Recomputed::Nothing);
  EXPECT_TRUE(outbox(*incremental_).empty());
  // One record, high (80 umol/L above the default bilirubin range).
  EXPECT_EQ(records(*incremental_).size(), 1u);
}

TEST_F(IncrementalRecordsTest, OnlyTheTouchedGroupIsRecomputed) {
  // Two subjects: a new version of S01's record leaves S02's group alone.
  both([](store::ObservationStore& s) {
    s.putVersion({"o1", "1", {}, "final", observation("o1", 1, "p1", kAnalytes[0], 1, "10", "final", false), "poll"}, kNow);
    s.putVersion({"o2", "1", {}, "final", observation("o2", 1, "p2", kAnalytes[0], 1, "10", "final", false), "poll"}, kNow);
  });
  compare("first");
  EXPECT_EQ(incremental_->changedObservationCount(), 0u);
  both([](store::ObservationStore& s) {
    s.putVersion({"o1", "2", {}, "amended", observation("o1", 2, "p1", kAnalytes[0], 1, "80", "amended", false), "poll"}, kNow);
  });
  EXPECT_EQ(incremental_->changedObservationCount(), 1u);  // o1, by the trigger
  EXPECT_EQ(incremental_->recordIdsInGroups({{"S01", "BILI"}}), std::vector<std::string>{"o1"});
  EXPECT_EQ(compare("amended"), Recomputed::Groups);
  EXPECT_EQ(incremental_->changedObservationCount(), 0u);
}

TEST(EngineFingerprint, NamesTheBuildTheTzDatabaseAndTheServer) {
  const std::string f = engineFingerprint(kBase);
  ASSERT_FALSE(f.empty()) << "this test binary has a GNU build id (Debian's toolchain links one)";
  EXPECT_EQ(f.rfind("build=", 0), 0u);
  EXPECT_NE(f.find(";tzdb="), std::string::npos);
  EXPECT_NE(f.find(";base_url=" + kBase), std::string::npos);
  EXPECT_NE(engineFingerprint("http://other.test/fhir"), f);
}

}  // namespace
}  // namespace fa::sync

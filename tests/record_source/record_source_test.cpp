// Record sources: the records `map`/`records` print (NDJSON and CSV) and a store's records come
// back as the same typed values; a line that is not a record is named and skipped, the rest read.
#include "record_source/record_source.h"

#include <gtest/gtest.h>

#include "engine/record_writer.h"
#include "mapping/config_loader.h"
#include "store/observation_store.h"
#include "store/record_columns.h"
#include "store/store_test_support.h"

namespace fa::record_source {
namespace {

using store::test::dec;
using store::test::sampleRecord;

const mapping::TrialConfig& trial() {
  static auto config = mapping::loadTrialConfig(std::filesystem::path(FA_SOURCE_DIR) / "fhir-mappings");
  return *config;
}

// Two records of different shapes: a plain selected number, and a comparator result whose
// source text holds every character CSV must quote (comma, quote, line break).
engine::OutcomeRecords samples() {
  engine::OutcomeRecords records;
  records.push_back(sampleRecord("obs-1", "25.5"));
  engine::OutcomeRecord r = sampleRecord("obs-2", "20");
  r.subject_id = "S-002";
  r.analyte = "HBVDNA";
  r.comparator = core::Comparator::Less;
  r.unit = "IU/mL";
  r.source_value = "<20, \"TND\"\nsee note";
  r.study_day.reset();
  r.effective.reset();
  r.ctcae_grade.reset();
  r.flag = core::Flag::Normal;
  r.selected = false;
  records.push_back(r);
  return records;
}

void expectSameFields(const engine::OutcomeRecords& expected, const RecordSet& got) {
  ASSERT_EQ(got.records.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(store::toValues(got.records[i]), store::toValues(expected[i])) << "record " << i;
}

TEST(RecordSource, NdjsonAsMapPrintsItComesBackFieldForField) {
  std::string text;
  for (const auto& r : samples())
    engine::appendNdjson(text, r);
  RecordSet set = readRecordsText(text, "records.ndjson", trial());
  EXPECT_TRUE(set.problems.empty());
  expectSameFields(samples(), set);
  // Keys printed records do not carry are derived: resource id from "Observation/obs-2/_history/1",
  // usable status from "final", HBVDNA's place in analytes.json.
  EXPECT_EQ(set.records[1].resource_id, "obs-2");
  EXPECT_TRUE(set.records[1].usable_status);
  EXPECT_EQ(set.records[1].analyte_index, *trial().analyteIndex("HBVDNA"));
  EXPECT_EQ(set.records[1].subject_index, 1u);  // S-001 is 0, S-002 is 1
}

TEST(RecordSource, RecordsCsvWithQuotedLineBreaksComesBackFieldForField) {
  std::string text = engine::csvHeader();
  for (const auto& r : samples())
    engine::appendCsv(text, r);
  RecordSet set = readRecordsText(text, "records.csv", trial());
  EXPECT_TRUE(set.problems.empty()) << (set.problems.empty() ? "" : set.problems.front());
  expectSameFields(samples(), set);
}

TEST(RecordSource, CsvWithByteOrderMarkAndExtraColumnsIsRead) {
  std::string header = engine::csvHeader();
  header.insert(header.size() - 1, ",observation_id,version");
  std::string text = "\xEF\xBB\xBF" + header;
  std::string row;
  engine::appendCsv(row, samples().front());
  row.insert(row.size() - 1, ",obs-1,1");
  text += row;
  RecordSet set = readRecordsText(text, "records.csv", trial());
  EXPECT_TRUE(set.problems.empty());
  ASSERT_EQ(set.records.size(), 1u);
  EXPECT_EQ(store::toValues(set.records[0]), store::toValues(samples().front()));
}

TEST(RecordSource, BadLinesAreNamedAndTheRestIsRead) {
  std::string good;
  engine::appendNdjson(good, samples().front());
  std::string wrong_type = good;
  wrong_type.replace(wrong_type.find("\"study_day\": 8"), 14, "\"study_day\": \"eight\"");
  std::string text = good + "not json\n" + "\n" + "{\"subject_id\": \"S-9\"}\n" + wrong_type;
  RecordSet set = readRecordsText(text, "in.ndjson", trial());
  ASSERT_EQ(set.records.size(), 1u);
  ASSERT_EQ(set.problems.size(), 3u);
  EXPECT_EQ(set.problems[0].rfind("in.ndjson line 2: not JSON", 0), 0u) << set.problems[0];
  EXPECT_EQ(set.problems[1], "in.ndjson line 4: field analyte is missing");  // line 3 is blank
  EXPECT_EQ(set.problems[2], "in.ndjson line 5: field study_day is not an integer");
}

TEST(RecordSource, AnUnknownFlagIsRejectedLikeInAStore) {
  std::string line;
  engine::appendNdjson(line, samples().front());
  line.replace(line.find("\"high\""), 6, "\"awful\"");
  RecordSet set = readRecordsText(line, "in.ndjson", trial());
  EXPECT_TRUE(set.records.empty());
  ASSERT_EQ(set.problems.size(), 1u);
  EXPECT_EQ(set.problems[0], "in.ndjson line 1: field flag holds an unknown value");
}

TEST(RecordSource, DeepNestingIsRejectedWithoutRecursing) {
  std::string deep = "{\"subject_id\": " + std::string(200000, '[') + std::string(200000, ']') + "}\n";
  RecordSet set = readRecordsText(deep, "deep.ndjson", trial());
  EXPECT_TRUE(set.records.empty());
  ASSERT_EQ(set.problems.size(), 1u);
  EXPECT_EQ(set.problems[0], "deep.ndjson line 1: field subject_id is not a value");
}

TEST(RecordSource, AStoreGivesItsRecordsDataCutAndMappingsHash) {
  store::test::TempDir dir;
  {
    store::ObservationStore s(dir.file("adapter.db"), store::SqliteDb::Mode::ReadWrite);
    auto t = s.transaction();
    s.replaceRecords(samples(), "hash-7", "2026-02-04T10:00:00.000Z");
    s.setMeta("mappings_hash", "hash-7");
    s.setWatermark("Observation?code=a", "2026-02-04T09:00:00Z", "2026-02-04T10:00:00.000Z");
    s.setWatermark("Observation?code=b", "2026-02-04T09:30:00Z", "2026-02-04T10:05:00.000Z");
    t.commit();
  }
  RecordSet set = readStore(dir.path() / "adapter.db", trial());
  EXPECT_EQ(set.origin, "store " + dir.file("adapter.db"));
  EXPECT_EQ(set.mappings_hash, "hash-7");
  EXPECT_EQ(set.data_cut, "2026-02-04T10:05:00.000Z");  // the later of the two watermark moves
  expectSameFields(samples(), set);
  EXPECT_EQ(set.records[0].resource_id, "obs-1");
}

TEST(RecordSource, AMissingFileIsOneProblem) {
  RecordSet set = readRecordsFile("/nonexistent/records.ndjson", trial());
  EXPECT_TRUE(set.records.empty());
  ASSERT_EQ(set.problems.size(), 1u);
  EXPECT_EQ(set.problems[0], "/nonexistent/records.ndjson: cannot be read: No such file or directory");
}

}  // namespace
}  // namespace fa::record_source

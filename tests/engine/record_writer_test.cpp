// Record output (docs/contract.md "Record fields"): every field present in contract order, null
// where not applicable; CSV with the same columns.
#include <gtest/gtest.h>

#include "engine/record_writer.h"
#include "engine/session_fixture.h"

namespace fa::test {
namespace {

TEST(RecordWriter, FieldNamesInContractOrder) {
  EXPECT_EQ(
      engine::recordFieldNames(),
      (std::vector<std::string>{"subject_id", "analyte",  "observation", "status", "effective",   "study_day",    "visit",
                                "selected",   "baseline", "comparator",  "value",  "unit",        "source_value", "source_unit",
                                "ref_low",    "ref_high", "ref_source",  "flag",   "ctcae_grade", "reason"}));
  // CSV: the contract's columns unchanged and in order, then observation_id and version.
  EXPECT_EQ(engine::csvHeader(),
            "subject_id,analyte,observation,status,effective,study_day,visit,selected,baseline,comparator,value,unit,"
            "source_value,source_unit,ref_low,ref_high,ref_source,flag,ctcae_grade,reason,observation_id,version\n");
}

TEST(RecordWriter, NdjsonOfAWholeRecord) {
  auto r = runOne(Obs("b1").analyte("BILI").version("2").effective("2026-01-29").value(qty("1.20", "mg/dL")));
  std::string out;
  engine::appendNdjson(out, r);
  // 1.20 mg/dL x 17.1 = 20.52 umol/L > 20.5: high; grade 1 (20.52 <= 1.5 x 20.5 = 30.75)
  EXPECT_EQ(
      out,
      "{\"subject_id\": \"S01\", \"analyte\": \"BILI\", \"observation\": \"Observation/b1/_history/2\", \"status\": \"final\", "
      "\"effective\": \"2026-01-29\", \"study_day\": 29, \"visit\": \"W4\", \"selected\": true, \"baseline\": false, "
      "\"comparator\": null, \"value\": 20.52, \"unit\": \"umol/L\", \"source_value\": \"1.20\", \"source_unit\": \"mg/dL\", "
      "\"ref_low\": 3.4, \"ref_high\": 20.5, \"ref_source\": \"protocol\", \"flag\": \"high\", \"ctcae_grade\": 1, \"reason\": "
      "null}\n");
}

TEST(RecordWriter, NullsAndComparatorInNdjson) {
  auto r = runOne(Obs("h1").analyte("HBVDNA").subject("Patient/p2").effective("2026-01-29").value(qtyCmp("<", "20", "IU/mL")));
  std::string out;
  engine::appendNdjson(out, r);
  EXPECT_NE(out.find("\"study_day\": null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"comparator\": \"<\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"ref_low\": null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"ctcae_grade\": null"), std::string::npos) << out;
  EXPECT_NE(out.find("\"visit\": \"UNSCHEDULED\""), std::string::npos) << out;
}

TEST(RecordWriter, CsvQuotesAndEmptyNulls) {
  auto r = runOne(Obs("c1").analyte("PT").effective("2026-01-29").value(qty("13", "min, approx")));
  std::string out;
  engine::appendCsv(out, r);
  // value, ref fields present; unknown unit -> value empty, flag indeterminate, reason quoted
  EXPECT_EQ(
      out.rfind(
          "S01,PT,Observation/c1,final,2026-01-29,29,W4,false,false,,,s,13,\"min, approx\",11,14.5,protocol,indeterminate,,", 0),
      0u)
      << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(RecordWriter, CsvEndsWithObservationIdAndVersion) {
  auto versioned = runOne(Obs("b-7").analyte("BILI").version("12").effective("2026-01-29").value(qty("18", "umol/L")));
  auto plain = runOne(Obs("b-8").analyte("BILI").effective("2026-01-29").value(qty("18", "umol/L")));
  std::string out;
  engine::appendCsv(out, versioned);
  // 18 umol/L in 3.4-20.5: normal, grade 0 (normal direction), reason null; then id, version.
  EXPECT_TRUE(out.ends_with(",normal,0,,b-7,12\n")) << out;
  out.clear();
  engine::appendCsv(out, plain);
  EXPECT_TRUE(out.ends_with(",normal,0,,b-8,\n")) << out;  // Observation/b-8 has no version
}

TEST(RecordWriter, CsvNumbersHaveNoZerosTheSourceDidNotWrite) {
  // 1.10 mg/dL x 17.1 = 18.8100 after rounding to 4 places: written 18.81; the source keeps 1.10.
  auto r = runOne(Obs("b1").analyte("BILI").effective("2026-01-29").value(qty("1.10", "mg/dL")));
  std::string out;
  engine::appendCsv(out, r);
  EXPECT_NE(out.find(",18.81,umol/L,1.10,mg/dL,3.4,20.5,"), std::string::npos) << out;
}

}  // namespace
}  // namespace fa::test

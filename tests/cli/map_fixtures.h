#pragma once
// Shared paths and checks for the `fhir-adapter map` contract tests (docs/contract.md).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli/run_command.h"

namespace fa::cli_test {

inline const std::string kMappings = FA_SOURCE_DIR "/fhir-mappings";
inline const std::string kData = FA_TEST_DATA_DIR "/cli";
inline std::string data(const std::string& name) {
  return kData + "/" + name;
}

// docs/contract.md "Record fields", in order.
inline const std::vector<std::string> kFields = {"subject_id", "analyte",    "observation",  "status",      "effective",
                                                 "study_day",  "visit",      "selected",     "baseline",    "comparator",
                                                 "value",      "unit",       "source_value", "source_unit", "ref_low",
                                                 "ref_high",   "ref_source", "flag",         "ctcae_grade", "reason"};

// `map --mappings <default> --subjects <roster>` followed by extra arguments.
inline std::vector<std::string> mapArgs(const std::string& roster, std::vector<std::string> extra) {
  std::vector<std::string> args = {"map", "--mappings", kMappings, "--subjects", roster};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

inline std::vector<std::string> observations(const std::vector<JsonRecord>& records) {
  std::vector<std::string> out;
  for (const JsonRecord& r : records)
    out.push_back(r.str("observation"));
  return out;
}

inline const JsonRecord* findRecord(const std::vector<JsonRecord>& records, const std::string& observation) {
  for (const JsonRecord& r : records) {
    if (r.str("observation") == observation) return &r;
  }
  return nullptr;
}

// Every record carries exactly the contract's fields, in the contract's order.
inline void expectContractFields(const std::vector<JsonRecord>& records) {
  for (const JsonRecord& r : records)
    EXPECT_EQ(r.keys, kFields) << r.line;
}

// Compares one actual record with a hand-written expected one. Strings, booleans and nulls
// must be equal; numbers equal as numbers (25.65 == 25.6500). "reason" is free text: an
// expected string must occur in the actual one ("" = any non-null text).
inline void expectRecord(const JsonRecord& expected, const JsonRecord& actual) {
  const std::string where = expected.str("observation");
  for (const std::string& name : expected.keys) {
    const rapidjson::Value& e = expected[name.c_str()];
    ASSERT_TRUE(actual.has(name)) << where << ": field " << name << " missing";
    const rapidjson::Value& a = actual[name.c_str()];
    if (name == "reason" && e.IsString()) {
      ASSERT_TRUE(a.IsString()) << where << ": reason should be text containing \"" << e.GetString() << "\"";
      EXPECT_NE(std::string(a.GetString()).find(e.GetString()), std::string::npos)
          << where << ": reason \"" << a.GetString() << "\" should mention \"" << e.GetString() << "\"";
    } else if (e.IsNumber()) {
      ASSERT_TRUE(a.IsNumber()) << where << ": " << name << " should be the number " << e.GetDouble() << "; got " << actual.line;
      EXPECT_NEAR(a.GetDouble(), e.GetDouble(), 1e-9) << where << ": " << name;
      if (e.IsInt()) {
        EXPECT_TRUE(a.IsInt()) << where << ": " << name << " should be an integer";
      }
    } else {
      EXPECT_TRUE(a == e) << where << ": field " << name << " differs; actual record: " << actual.line;
    }
  }
}

inline void expectRecords(const std::string& expected_ndjson, const std::string& actual_ndjson) {
  auto expected = parseNdjson(expected_ndjson);
  auto actual = parseNdjson(actual_ndjson);
  EXPECT_EQ(observations(actual), observations(expected)) << "records or their order differ";
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    expectRecord(expected[i], actual[i]);
}

// The last standard error line is the summary, with these counts.
inline void expectSummary(const CommandResult& r, long read, long written, long rejected, long skipped, long ignored) {
  const std::string line = r.lastErrLine();
  auto s = parseSummary(line);
  ASSERT_TRUE(s.has_value()) << "last stderr line is not the summary: \"" << line << "\"\nstderr:\n" << r.err;
  EXPECT_EQ(s->read, read) << "resources read: " << line;
  EXPECT_EQ(s->written, written) << "records written: " << line;
  EXPECT_EQ(s->rejected, rejected) << "rejected: " << line;
  EXPECT_EQ(s->skipped, skipped) << "skipped (not on roster): " << line;
  EXPECT_EQ(s->ignored, ignored) << "ignored (unmatched code): " << line;
}

// A one-line Observation for tests that build their input on the fly.
inline std::string observationLine(const std::string& id, const std::string& loinc, const std::string& subject_json,
                                   const std::string& effective, const std::string& value_json,
                                   const std::string& status = "final", const std::string& extra = "") {
  return R"({"resourceType": "Observation", "id": ")" + id +
         R"(", "meta": {"versionId": "1", "lastUpdated": "2026-03-01T00:00:00Z"}, "status": ")" + status +
         R"(", "code": {"coding": [{"system": "http://loinc.org", "code": ")" + loinc + R"("}]}, "subject": )" + subject_json +
         R"(, "effectiveDateTime": ")" + effective + R"(", "valueQuantity": )" + value_json + extra + "}\n";
}

inline std::string umol(const std::string& number) {
  return R"({"value": )" + number + R"(, "unit": "umol/L", "system": "http://unitsofmeasure.org", "code": "umol/L"})";
}

}  // namespace fa::cli_test

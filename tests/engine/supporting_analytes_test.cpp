// Supporting analytes (docs/trial-rules.md "Supporting analytes"): creatinine (CREA, umol/L; mg/dL
// x88.4, mmol/L x1000; 57-111, a site table may key by sex) and sodium (NA, mmol/L; mEq/L x1;
// 137-147). Mapped, flagged and output like the others; never graded (ctcae_grade null).
#include <gtest/gtest.h>

#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

engine::OutcomeRecord one(const std::string& analyte, const std::string& valueMember) {
  return runOne(Obs().analyte(analyte).value(valueMember));
}

TEST(Creatinine, UnitsToUmolPerLitre) {
  EXPECT_EQ(text(one("CREA", qty("80", "umol/L")).value), "80");
  EXPECT_EQ(text(one("CREA", qty("80", "\xC2\xB5mol/L")).value), "80");  // micro sign, display unit
  EXPECT_EQ(text(one("CREA", qty("1.2", "mg/dL")).value), "106.08");     // 1.2 x 88.4
  EXPECT_EQ(text(one("CREA", ucum("0.95", "mg/dL")).value), "83.98");    // 0.95 x 88.4
  EXPECT_EQ(text(one("CREA", qty("0.05", "mmol/L")).value), "50");       // x 1000
  auto unknown = one("CREA", qty("1.2", "mg/L"));
  EXPECT_FALSE(unknown.value.has_value());
  EXPECT_EQ(text(unknown.flag), "indeterminate");
  EXPECT_EQ(unknown.reason, "unit \"mg/L\" is not accepted for CREA");
}

TEST(Creatinine, ProtocolRangeFlagsAndNoGrade) {
  // 57-111 inclusive: 56.9 low, 57 normal, 111 normal, 1.3 mg/dL = 114.92 high.
  EXPECT_EQ(text(one("CREA", qty("56.9", "umol/L")).flag), "low");
  EXPECT_EQ(text(one("CREA", qty("57", "umol/L")).flag), "normal");
  EXPECT_EQ(text(one("CREA", qty("111", "umol/L")).flag), "normal");
  auto high = one("CREA", qty("1.3", "mg/dL"));
  EXPECT_EQ(text(high.value), "114.92");
  EXPECT_EQ(text(high.flag), "high");
  EXPECT_EQ(text(high.ref_source), "protocol");
  EXPECT_EQ(text(high.range.low), "57");
  EXPECT_EQ(text(high.range.high), "111");
  EXPECT_EQ(high.unit, "umol/L");
  EXPECT_EQ(high.analyte, "CREA");
  EXPECT_FALSE(high.ctcae_grade.has_value());
  EXPECT_TRUE(high.selected);  // day 1 = BASELINE, eligible like any other analyte
  EXPECT_TRUE(high.baseline);
}

TEST(Creatinine, EveryLoincCodeMatches) {
  for (const char* code : {"2160-0", "14682-9", "38483-4"}) {
    auto r = runOne(Obs().loinc(code).value(qty("80", "umol/L")));
    EXPECT_EQ(r.analyte, "CREA") << code;
  }
}

TEST(Creatinine, SiteTableKeyedBySex) {
  // Site rows: female 41-81, anyone else 57-111. 85 umol/L: high for F1, normal for M1.
  MappingsCopy copy;
  copy.replace("ranges.json", "\"site\": []",
               R"("site": [{ "analyte": "CREA", "sex": "female", "low": 41, "high": 81 },
                           { "analyte": "CREA", "low": 57, "high": 111 }])");
  const std::string roster =
      "subject_id,patient,dose1_date,dose2_date,sex\n"
      "M1,Patient/m,2026-01-01,,male\n"
      "F1,Patient/f,2026-01-01,,female\n";
  auto run = runInputs({Obs("f").analyte("CREA").subject("Patient/f").value(qty("85", "umol/L")).json() + "\n" +
                        Obs("m").analyte("CREA").subject("Patient/m").value(qty("85", "umol/L")).json() + "\n"},
                       roster, copy.load());
  ASSERT_EQ(run.records.size(), 2u);
  const auto& f = run.get("f");
  EXPECT_EQ(text(f.ref_source), "site");
  EXPECT_EQ(text(f.range.low), "41");
  EXPECT_EQ(text(f.range.high), "81");
  EXPECT_EQ(text(f.flag), "high");
  const auto& m = run.get("m");
  EXPECT_EQ(text(m.range.high), "111");
  EXPECT_EQ(text(m.flag), "normal");
  EXPECT_FALSE(f.ctcae_grade.has_value());
}

TEST(Sodium, UnitsRangeAndNoGrade) {
  // mmol/L and mEq/L x1; 137-147 inclusive.
  auto low = one("NA", qty("135", "mEq/L"));
  EXPECT_EQ(text(low.value), "135");
  EXPECT_EQ(text(low.flag), "low");
  EXPECT_EQ(low.unit, "mmol/L");
  EXPECT_EQ(low.source_unit, "mEq/L");
  EXPECT_FALSE(low.ctcae_grade.has_value());
  EXPECT_EQ(text(one("NA", qty("137", "mmol/L")).flag), "normal");
  EXPECT_EQ(text(one("NA", ucum("147", "mmol/L")).flag), "normal");
  auto high = one("NA", qty("148", "mmol/L"));
  EXPECT_EQ(text(high.flag), "high");
  EXPECT_FALSE(high.ctcae_grade.has_value());
  EXPECT_EQ(runOne(Obs().loinc("2947-0").value(qty("140", "mmol/L"))).analyte, "NA");
}

}  // namespace
}  // namespace fa::test

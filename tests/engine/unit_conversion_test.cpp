// Every analyte/unit row of the docs/trial-rules.md units table, run through a whole session: the
// standardised value (4 decimals, half away from zero) and the source fields as sent.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

struct UnitCase {
  const char* name;
  const char* analyte;
  std::string value_member;
  const char* expected;  // standard unit, as Decimal::toString writes it
};

void PrintTo(const UnitCase& c, std::ostream* os) {
  *os << c.name;
}

class UnitRow : public ::testing::TestWithParam<UnitCase> {};

TEST_P(UnitRow, ConvertsToTheStandardUnit) {
  const UnitCase& c = GetParam();
  auto r = runOne(Obs().analyte(c.analyte).value(c.value_member));
  EXPECT_EQ(text(r.value), c.expected) << c.name;
  EXPECT_FALSE(r.reason.has_value()) << r.reason.value_or("");
  EXPECT_NE(r.flag, core::Flag::Indeterminate);
}

INSTANTIATE_TEST_SUITE_P(
    ProtocolTable, UnitRow,
    ::testing::Values(
        // BILI: umol/L 1; mg/dL 17.1; mg/L 1.71; mmol/L 1000
        UnitCase{"BILI_umol", "BILI", qty("17", "umol/L"), "17"},
        UnitCase{"BILI_micro_sign", "BILI", qty("17", "\xC2\xB5mol/L"), "17"},  // display leniency
        UnitCase{"BILI_greek_mu", "BILI", qty("17", "\xCE\xBCmol/L"), "17"},
        UnitCase{"BILI_umol_upper", "BILI", qty("17", " UMOL/L "), "17"},
        UnitCase{"BILI_mg_dL", "BILI", qty("1.2", "mg/dL"), "20.52"},                 // 1.2 x 17.1
        UnitCase{"BILI_mg_dL_exact", "BILI", qty("1.23", "mg/dL"), "21.033"},         // 1.23 x 17.1
        UnitCase{"BILI_mg_dL_half", "BILI", qty("0.0005", "mg/dL"), "0.0086"},        // 0.00855 -> 0.0086
        UnitCase{"BILI_mg_L", "BILI", qty("12", "mg/L"), "20.52"},                    // 12 x 1.71
        UnitCase{"BILI_mmol_L", "BILI", qty("0.0205", "mmol/L"), "20.5"},             // x 1000
        UnitCase{"BILI_mmol_L_half", "BILI", qty("0.00123445", "mmol/L"), "1.2345"},  // 1.23445 -> 1.2345
        UnitCase{"BILI_ucum_umol", "BILI", ucum("17", "umol/L"), "17"},
        UnitCase{"BILI_ucum_mg_dL", "BILI", ucum("1.2", "mg/dL", "MG/DL"), "20.52"},
        // ALB: g/L 1; g/dL 10; mg/dL 0.01; umol/L 0.0664
        UnitCase{"ALB_g_L_half", "ALB", qty("1.23445", "g/L"), "1.2345"}, UnitCase{"ALB_g_L", "ALB", qty("42", "g/L"), "42"},
        UnitCase{"ALB_g_dL", "ALB", qty("3.5", "g/dL"), "35"},
        UnitCase{"ALB_g_dL_half", "ALB", qty("0.123445", "g/dL"), "1.2345"},  // x 10 = 1.23445
        UnitCase{"ALB_mg_dL", "ALB", qty("3500", "mg/dL"), "35"},
        UnitCase{"ALB_mg_dL_half", "ALB", qty("123.445", "mg/dL"), "1.2345"},  // x 0.01 = 1.23445
        UnitCase{"ALB_umol_L", "ALB", qty("602", "umol/L"), "39.9728"},        // 602 x 0.0664
        UnitCase{"ALB_micro_mol_L", "ALB", qty("602", "\xC2\xB5mol/L"), "39.9728"},
        UnitCase{"ALB_umol_L_round", "ALB", qty("500.5", "umol/L"), "33.2332"},  // 33.2332 exactly
        UnitCase{"ALB_umol_round_up", "ALB", qty("0.99", "umol/L"), "0.0657"},   // 0.065736 -> 0.0657
        // PT, APTT: s 1 (also "sec", "seconds")
        UnitCase{"PT_s", "PT", qty("13.5", "s"), "13.5"}, UnitCase{"PT_sec", "PT", qty("13.5", "sec"), "13.5"},
        UnitCase{"PT_seconds", "PT", qty("13.5", "seconds"), "13.5"}, UnitCase{"PT_ucum_s", "PT", ucum("13.5", "s"), "13.5"},
        UnitCase{"APTT_s", "APTT", qty("33.2", "s"), "33.2"}, UnitCase{"APTT_sec", "APTT", qty("33.2", "Sec"), "33.2"},
        UnitCase{"APTT_seconds", "APTT", qty("33.2", "seconds"), "33.2"},
        // INR: "1", "{INR}", "{ratio}", "ratio", "INR", or no unit at all
        UnitCase{"INR_1", "INR", qty("1.1", "1"), "1.1"}, UnitCase{"INR_annotation", "INR", ucum("1.1", "{INR}"), "1.1"},
        UnitCase{"INR_ratio_annotation", "INR", ucum("1.1", "{ratio}"), "1.1"},
        UnitCase{"INR_ratio", "INR", qty("1.1", "ratio"), "1.1"}, UnitCase{"INR_INR", "INR", qty("1.1", "INR"), "1.1"},
        UnitCase{"INR_no_unit", "INR", qtyNoUnit("1.1"), "1.1"}, UnitCase{"INR_integer", "INR", "\"valueInteger\": 1", "1"},
        // PTA: %
        UnitCase{"PTA_percent", "PTA", qty("85", "%"), "85"}, UnitCase{"PTA_ucum_percent", "PTA", ucum("85", "%"), "85"},
        // FIBRINO: g/L 1; mg/dL 0.01
        UnitCase{"FIBRINO_g_L", "FIBRINO", qty("2.5", "g/L"), "2.5"},
        UnitCase{"FIBRINO_mg_dL", "FIBRINO", qty("250", "mg/dL"), "2.5"},
        // IGG, IGA, IGM: g/L 1; mg/dL 0.01
        UnitCase{"IGG_g_L", "IGG", qty("12", "g/L"), "12"}, UnitCase{"IGG_mg_dL", "IGG", qty("1200", "mg/dL"), "12"},
        UnitCase{"IGA_g_L", "IGA", qty("1.5", "g/L"), "1.5"}, UnitCase{"IGA_mg_dL", "IGA", qty("150", "mg/dL"), "1.5"},
        UnitCase{"IGM_g_L", "IGM", qty("0.8", "g/L"), "0.8"}, UnitCase{"IGM_mg_dL", "IGM", qty("80", "mg/dL"), "0.8"},
        // HBVDNA: [IU]/mL and IU/mL 1; copies forms / 5.82; log forms 10^x first
        UnitCase{"HBV_ucum_IU", "HBVDNA", ucum("1500", "[IU]/mL"), "1500"},
        UnitCase{"HBV_IU", "HBVDNA", qty("1500", "IU/mL"), "1500"},
        UnitCase{"HBV_copies", "HBVDNA", qty("582", "copies/mL"), "100"},                // 582 / 5.82
        UnitCase{"HBV_copies_annotation", "HBVDNA", ucum("582", "{copies}/mL"), "100"},  // not 582 "/mL"
        UnitCase{"HBV_copies_bracket", "HBVDNA", qty("582", "[copies]/mL"), "100"},
        UnitCase{"HBV_copies_round", "HBVDNA", qty("1000", "copies/mL"), "171.8213"},  // 171.82130584
        UnitCase{"HBV_log_IU_ucum", "HBVDNA", ucum("3", "{Log_IU}/mL"), "1000"},       // not 3
        UnitCase{"HBV_log10_IU", "HBVDNA", qty("2", "log10 IU/mL"), "100"},
        UnitCase{"HBV_log_IU", "HBVDNA", qty("1.5", "log IU/mL"), "31.6228"},  // 10^1.5 = 31.62277
        UnitCase{"HBV_log_bracket_IU", "HBVDNA", qty("4", "log[IU]/mL"), "10000"},
        UnitCase{"HBV_log_copies_ucum", "HBVDNA", ucum("4", "{log_copies}/mL"), "1718.2131"},  // 10000/5.82
        UnitCase{"HBV_log10_copies", "HBVDNA", qty("3", "log10 copies/mL"), "171.8213"}),      // 1000/5.82
    [](const ::testing::TestParamInfo<UnitCase>& row) { return std::string(row.param.name); });

TEST(UnitConversion, UnknownUnitKeepsTheRecordWithoutAValue) {
  auto r = runOne(Obs().analyte("PT").value(qty("13.5", "min")));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.flag, core::Flag::Indeterminate);
  ASSERT_TRUE(r.reason.has_value());
  EXPECT_NE(r.reason->find("min"), std::string::npos) << *r.reason;
  EXPECT_EQ(r.source_value, "13.5");
  EXPECT_EQ(r.source_unit, "min");
  EXPECT_FALSE(r.ctcae_grade.has_value());
  EXPECT_FALSE(r.selected);
}

TEST(UnitConversion, UnitOfAnotherAnalyteIsNotGuessed) {
  // mg/L is a bilirubin unit, not an albumin one.
  auto r = runOne(Obs().analyte("ALB").value(qty("35", "mg/L")));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.flag, core::Flag::Indeterminate);
  EXPECT_NE(r.reason.value_or("").find("mg/L"), std::string::npos);
}

TEST(UnitConversion, UcumCodeIsCaseSensitive) {
  // "mg/dl" is not the UCUM code "mg/dL"; with system UCUM the code decides.
  auto r = runOne(Obs().analyte("BILI").value(ucum("1.2", "mg/dl", "mg/dL")));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.flag, core::Flag::Indeterminate);
  EXPECT_NE(r.reason.value_or("").find("mg/dl"), std::string::npos);
  auto log = runOne(Obs().analyte("HBVDNA").value(ucum("3", "{LOG_IU}/mL")));
  EXPECT_FALSE(log.value.has_value());
}

TEST(UnitConversion, DisplayUnitUsedWhenSystemIsNotUcum) {
  auto r = runOne(Obs().analyte("BILI").value(
      "\"valueQuantity\": {\"value\": 1.2, \"unit\": \"mg/dl\", \"system\": \"http://example.org\", \"code\": \"xx\"}"));
  EXPECT_EQ(text(r.value), "20.52");
}

TEST(UnitConversion, MissingUnitOnlyForInr) {
  auto r = runOne(Obs().analyte("BILI").value(qtyNoUnit("17")));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.flag, core::Flag::Indeterminate);
  EXPECT_TRUE(r.reason.has_value());
}

TEST(UnitConversion, SourceValueIsTheJsonNumberText) {
  auto r = runOne(Obs().analyte("INR").value(qty("1.10", "1")));
  EXPECT_EQ(r.source_value, "1.10");  // not "1.1"
  EXPECT_EQ(text(r.value), "1.1");
  EXPECT_EQ(r.source_unit, "1");
  EXPECT_EQ(r.unit, "1");
}

TEST(UnitConversion, SourceUnitFallsBackToCode) {
  auto r = runOne(Obs().analyte("BILI").value(ucum("17", "umol/L")));
  EXPECT_EQ(r.source_unit, "umol/L");
  auto d = runOne(Obs().analyte("BILI").value(ucum("1.2", "mg/dL", "milligram per decilitre")));
  EXPECT_EQ(d.source_unit, "milligram per decilitre");  // unit as sent wins over code
  EXPECT_EQ(text(d.value), "20.52");
}

TEST(UnitConversion, StandardUnitPerAnalyte) {
  EXPECT_EQ(runOne(Obs().analyte("BILI").value(qty("1", "mg/dL"))).unit, "umol/L");
  EXPECT_EQ(runOne(Obs().analyte("ALB").value(qty("4", "g/dL"))).unit, "g/L");
  EXPECT_EQ(runOne(Obs().analyte("HBVDNA").value(qty("4", "copies/mL"))).unit, "[IU]/mL");
  EXPECT_EQ(runOne(Obs().analyte("PTA").value(qty("80", "%"))).unit, "%");
}

TEST(UnitConversion, CopiesPerIuIsConfigurable) {
  EXPECT_EQ(defaultAnalyte("HBVDNA").units.findSpelling("copies/mL")->divide_by, core::Decimal::parse("5.82"));
  // Another assay: copies_per_iu 5.0 in analytes.json -> 1000 copies/mL = 200 IU/mL, and the
  // log form follows: 10^3 / 5 = 200.
  MappingsCopy copy;
  copy.replace("analytes.json", "\"copies_per_iu\": 5.82", "\"copies_per_iu\": 5.0");
  auto run = runInputs({Obs("a").analyte("HBVDNA").value(qty("1000", "copies/mL")).json() + "\n" +
                        Obs("b").analyte("HBVDNA").value(qty("3", "log10 copies/mL")).json() + "\n"},
                       kDefaultRoster, copy.load());
  EXPECT_EQ(text(run.get("a").value), "200");
  EXPECT_EQ(text(run.get("b").value), "200");
}

}  // namespace
}  // namespace fa::test

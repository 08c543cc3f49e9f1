// Unit lookup and conversion mechanics (docs/trial-rules.md "Units"): UCUM codes compared
// case-sensitively when the system is UCUM, display units leniently (trim, case, micro sign),
// spellings looked up whole so a {annotation} never acts as a factor.
#include <gtest/gtest.h>

#include "core/units.h"

namespace fa::core {
namespace {

Decimal D(const char* text) {
  return *Decimal::parse(text);
}

UnitConversion times(const char* f) {
  UnitConversion c;
  c.multiply_by = D(f);
  return c;
}

// The units view string literals, which outlive every lookup.
QuantityUnit ucum(const char* code, std::optional<std::string_view> display = std::nullopt) {
  return {display, kUcumSystem, std::string_view(code)};
}
QuantityUnit display(const char* unit) {
  return {std::string_view(unit), std::nullopt, std::nullopt};
}

class UnitTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table.addSpelling("umol/L", times("1"));
    table.addSpelling("mg/dL", times("17.1"));
    UnitConversion copies;
    copies.divide_by = D("5.82");
    table.addSpelling("{copies}/mL", copies);
  }
  UnitTable table;
};

TEST(NormaliseDisplayUnit, TrimsLowersAndReadsMicroAsU) {
  EXPECT_EQ(normaliseDisplayUnit("  mg/dL "), "mg/dl");
  EXPECT_EQ(normaliseDisplayUnit("\xC2\xB5mol/L"), "umol/l");  // U+00B5 MICRO SIGN
  EXPECT_EQ(normaliseDisplayUnit("\xCE\xBCmol/L"), "umol/l");  // U+03BC GREEK SMALL MU
  EXPECT_EQ(normaliseDisplayUnit("UMOL/L"), "umol/l");
  EXPECT_EQ(normaliseDisplayUnit("   "), "");
}

TEST_F(UnitTableTest, UcumCodeIsCaseSensitive) {
  EXPECT_TRUE(table.find(ucum("mg/dL")).conversion.has_value());
  auto wrongCase = table.find(ucum("mg/dl"));
  EXPECT_FALSE(wrongCase.conversion.has_value());
  EXPECT_EQ(wrongCase.unit_used, "mg/dl");
  // The UCUM code decides even when the display unit would be fine.
  EXPECT_FALSE(table.find(ucum("MG/DL", "mg/dL")).conversion.has_value());
}

TEST_F(UnitTableTest, DisplayUnitIsLenient) {
  EXPECT_EQ(table.find(display("MG/DL")).conversion->multiply_by, D("17.1"));
  EXPECT_EQ(table.find(display(" mg/dl ")).conversion->multiply_by, D("17.1"));
  EXPECT_TRUE(table.find(display("\xC2\xB5mol/L")).conversion.has_value());
  EXPECT_TRUE(table.find(display("\xCE\xBCmol/l")).conversion.has_value());
}

TEST_F(UnitTableTest, CodeIgnoredWhenSystemIsNotUcum) {
  QuantityUnit u{std::string_view("mg/dL"), std::string_view("http://example.org/units"), std::string_view("nonsense")};
  EXPECT_EQ(table.find(u).conversion->multiply_by, D("17.1"));
  EXPECT_EQ(table.find(u).unit_used, "mg/dL");
}

TEST_F(UnitTableTest, UnknownUnitIsNeverGuessed) {
  auto l = table.find(display("mmol/L"));
  EXPECT_FALSE(l.conversion.has_value());
  EXPECT_FALSE(l.unit_missing);
  EXPECT_EQ(l.unit_used, "mmol/L");
  // "{copies}/mL" is known whole; "copies/mL" is a different spelling, not listed here.
  EXPECT_TRUE(table.find(ucum("{copies}/mL")).conversion.has_value());
  EXPECT_FALSE(table.find(ucum("copies/mL")).conversion.has_value());
  EXPECT_FALSE(table.find(ucum("{other}/mL")).conversion.has_value());
}

TEST_F(UnitTableTest, MissingUnitOnlyWhenAllowed) {
  auto none = table.find(QuantityUnit{});
  EXPECT_TRUE(none.unit_missing);
  EXPECT_FALSE(none.conversion.has_value());
  table.allowMissingUnit(times("1"));
  EXPECT_TRUE(table.find(QuantityUnit{}).conversion.has_value());
  EXPECT_TRUE(table.find(display("   ")).unit_missing);  // blank display = no unit
}

TEST(ToStandardUnit, MultipliesThenRoundsToFourPlaces) {
  // 1.23445 * 1 = 1.23445 -> 1.2345
  EXPECT_EQ(toStandardUnit(D("1.23445"), times("1"))->toString(), "1.2345");
  // 0.123445 * 10 = 1.23445 -> 1.2345: rounding after the factor, once
  EXPECT_EQ(toStandardUnit(D("0.123445"), times("10"))->toString(), "1.2345");
  // 1.2 mg/dL * 17.1 = 20.52
  EXPECT_EQ(toStandardUnit(D("1.2"), times("17.1"))->toString(), "20.52");
}

TEST(ToStandardUnit, DividesRoundingOnce) {
  UnitConversion c;
  c.divide_by = D("5.82");
  // 582 / 5.82 = 100 exactly; 1000 / 5.82 = 171.8213058 -> 171.8213
  EXPECT_EQ(toStandardUnit(D("582"), c)->toString(), "100");
  EXPECT_EQ(toStandardUnit(D("1000"), c)->toString(), "171.8213");
}

TEST(ToStandardUnit, Log10First) {
  UnitConversion c;
  c.log10 = true;
  EXPECT_EQ(toStandardUnit(D("3"), c)->toString(), "1000");
  // 10^1.30103 = 20.00001 (log10 2 = 0.30102999...) -> 20
  EXPECT_EQ(toStandardUnit(D("1.30103"), c)->toString(), "20");
  c.divide_by = D("5.82");
  // 10^4 copies / 5.82 = 1718.213058 -> 1718.2131
  EXPECT_EQ(toStandardUnit(D("4"), c)->toString(), "1718.2131");
}

}  // namespace
}  // namespace fa::core

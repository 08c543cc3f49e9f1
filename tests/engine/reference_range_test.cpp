// The reference range chain (docs/trial-rules.md "Reference ranges and flags"): the Observation's own
// referenceRange (quantities in any convertible unit, unitless ones in the value's unit, text
// "a-b", "<b", "<=b", ">a"), then the site table, then the protocol defaults; bounds inclusive.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

std::string rangeQty(const std::string& low, const std::string& high, const std::string& unit) {
  return "{\"low\": {\"value\": " + low + ", \"unit\": \"" + unit + "\"}, \"high\": {\"value\": " + high + ", \"unit\": \"" +
         unit + "\"}}";
}
std::string rangeText(const std::string& t) {
  return "{\"text\": \"" + t + "\"}";
}

TEST(RangeChain, ObservationRangeInTheValueUnit) {
  // 0.2-1.2 mg/dL = 3.42-20.52 umol/L; value 1.2 mg/dL = 20.52: at the high bound -> normal
  auto r = runOne(Obs().analyte("BILI").value(qty("1.2", "mg/dL")).range(rangeQty("0.2", "1.2", "mg/dL")));
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.range.low), "3.42");
  EXPECT_EQ(text(r.range.high), "20.52");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST(RangeChain, ObservationRangeInAnotherUnit) {
  // value 21 umol/L, range 0.3-1.2 mg/dL = 5.13-20.52 umol/L -> high (the protocol's 20.5 would
  // also say high, so check the bounds came from the observation)
  auto r = runOne(Obs().analyte("BILI").value(qty("21", "umol/L")).range(rangeQty("0.3", "1.2", "mg/dL")));
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.range.low), "5.13");
  EXPECT_EQ(text(r.range.high), "20.52");
  EXPECT_EQ(text(r.flag), "high");
  // 20.52 umol/L against 0.3-1.2 mg/dL is normal (inclusive), though above the protocol's 20.5
  auto n = runOne(Obs().analyte("BILI").value(qty("20.52", "umol/L")).range(rangeQty("0.3", "1.2", "mg/dL")));
  EXPECT_EQ(text(n.flag), "normal");
}

TEST(RangeChain, UnitlessRangeQuantitiesTakenInTheValueUnit) {
  // value 1.5 mg/dL = 25.65; range 0.3-1.2 (no unit) read as mg/dL = 5.13-20.52 -> high
  auto r =
      runOne(Obs().analyte("BILI").value(qty("1.5", "mg/dL")).range("{\"low\": {\"value\": 0.3}, \"high\": {\"value\": 1.2}}"));
  EXPECT_EQ(text(r.value), "25.65");
  EXPECT_EQ(text(r.range.low), "5.13");
  EXPECT_EQ(text(r.range.high), "20.52");
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.flag), "high");
}

TEST(RangeChain, HighOnlyQuantity) {
  auto r = runOne(Obs().analyte("ALB").value(qty("36", "g/L")).range("{\"low\": {\"value\": 35, \"unit\": \"g/L\"}}"));
  EXPECT_EQ(text(r.range.low), "35");
  EXPECT_FALSE(r.range.high.has_value());
  EXPECT_EQ(text(r.flag), "normal");  // protocol 40 would say low
}

TEST(RangeChain, TextLowDashHigh) {
  auto r = runOne(Obs().analyte("BILI").value(qty("19.5", "umol/L")).range(rangeText("5-19")));
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.range.low), "5");
  EXPECT_EQ(text(r.range.high), "19");
  EXPECT_EQ(text(r.flag), "high");
  auto edge = runOne(Obs().analyte("BILI").value(qty("5", "umol/L")).range(rangeText("5-19")));
  EXPECT_EQ(text(edge.flag), "normal");  // inclusive low
}

TEST(RangeChain, TextWithUnitAndTextInValueUnit) {
  // "0.3-1.2 mg/dL" with a umol/L value: 5.13-20.52
  auto a = runOne(Obs().analyte("BILI").value(qty("4", "umol/L")).range(rangeText("0.3-1.2 mg/dL")));
  EXPECT_EQ(text(a.range.low), "5.13");
  EXPECT_EQ(text(a.flag), "low");
  // "0.3-1.2" with an mg/dL value: read in mg/dL
  auto b = runOne(Obs().analyte("BILI").value(qty("1.0", "mg/dL")).range(rangeText("0.3-1.2")));
  EXPECT_EQ(text(b.value), "17.1");
  EXPECT_EQ(text(b.range.low), "5.13");
  EXPECT_EQ(text(b.range.high), "20.52");
  EXPECT_EQ(text(b.flag), "normal");
}

TEST(RangeChain, TextLessThanIsInclusive) {
  // "<21": high 21, no low; 21 is normal whatever the "<" says, 21.0001 is high
  auto at = runOne(Obs().analyte("BILI").value(qty("21", "umol/L")).range(rangeText("<21")));
  EXPECT_FALSE(at.range.low.has_value());
  EXPECT_EQ(text(at.range.high), "21");
  EXPECT_EQ(text(at.flag), "normal");
  auto above = runOne(Obs().analyte("BILI").value(qty("21.0001", "umol/L")).range(rangeText("<21")));
  EXPECT_EQ(text(above.flag), "high");
  auto zero = runOne(Obs().analyte("BILI").value(qty("0", "umol/L")).range(rangeText("<21")));
  EXPECT_EQ(text(zero.flag), "normal");  // no low bound: nothing is low
}

TEST(RangeChain, TextLessOrEqual) {
  auto r = runOne(Obs().analyte("BILI").value(qty("21", "umol/L")).range(rangeText("<=21")));
  EXPECT_EQ(text(r.range.high), "21");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST(RangeChain, TextGreaterThanIsInclusive) {
  auto at = runOne(Obs().analyte("ALB").value(qty("35", "g/L")).range(rangeText(">35")));
  EXPECT_EQ(text(at.range.low), "35");
  EXPECT_FALSE(at.range.high.has_value());
  EXPECT_EQ(text(at.flag), "normal");
  auto below = runOne(Obs().analyte("ALB").value(qty("34.9999", "g/L")).range(rangeText(">35")));
  EXPECT_EQ(text(below.flag), "low");
  auto huge = runOne(Obs().analyte("ALB").value(qty("90", "g/L")).range(rangeText(">35")));
  EXPECT_EQ(text(huge.flag), "normal");  // no high bound
}

TEST(RangeChain, UnusableObservationRangeFallsBackToProtocol) {
  // "mg/L" is not an albumin unit: the range cannot be read; protocol 40-55 applies.
  auto r = runOne(Obs().analyte("ALB").value(qty("38", "g/L")).range(rangeQty("30", "50", "mg/L")));
  EXPECT_EQ(text(r.ref_source), "protocol");
  EXPECT_EQ(text(r.range.low), "40");
  EXPECT_EQ(text(r.flag), "low");
  // Nonsense text, and low above high: also unusable.
  EXPECT_EQ(text(runOne(Obs().analyte("ALB").value(qty("38", "g/L")).range(rangeText("see report"))).ref_source), "protocol");
  EXPECT_EQ(text(runOne(Obs().analyte("ALB").value(qty("38", "g/L")).range(rangeQty("50", "30", "g/L"))).ref_source), "protocol");
}

TEST(RangeChain, FirstUsableObservationRangeWins) {
  auto r = runOne(Obs()
                      .analyte("ALB")
                      .value(qty("38", "g/L"))
                      .range(rangeText("nonsense") + ", " + rangeQty("35", "50", "g/L") + ", " + rangeQty("39", "50", "g/L")));
  EXPECT_EQ(text(r.range.low), "35");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST(RangeChain, RecordWithoutValueStillShowsTheRange) {
  auto r = runOne(Obs().analyte("ALB").value(qty("38", "mmol/L")));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(text(r.ref_source), "protocol");
  EXPECT_EQ(text(r.range.low), "40");
  EXPECT_EQ(text(r.range.high), "55");
  auto absent = runOne(Obs().analyte("ALB").extra("\"dataAbsentReason\": {\"coding\": [{\"code\": \"error\"}]}"));
  EXPECT_EQ(text(absent.ref_source), "protocol");
  EXPECT_EQ(text(absent.range.high), "55");
}

struct DefaultRange {
  const char* analyte;
  const char* unit;
  const char* low;
  const char* below_low;
  const char* high;
  const char* above_high;
};
void PrintTo(const DefaultRange& d, std::ostream* os) {
  *os << d.analyte;
}

class ProtocolDefault : public ::testing::TestWithParam<DefaultRange> {};

TEST_P(ProtocolDefault, InclusiveBoundsFromThePlainTable) {
  const DefaultRange& d = GetParam();
  auto flagOf = [&](const char* v) {
    auto r = runOne(Obs().analyte(d.analyte).value(qty(v, d.unit)));
    EXPECT_EQ(text(r.ref_source), "protocol");
    EXPECT_EQ(text(r.range.low), core::Decimal::parse(d.low)->toString());
    EXPECT_EQ(text(r.range.high), core::Decimal::parse(d.high)->toString());
    return text(r.flag);
  };
  EXPECT_EQ(flagOf(d.low), "normal");
  EXPECT_EQ(flagOf(d.below_low), "low");
  EXPECT_EQ(flagOf(d.high), "normal");
  EXPECT_EQ(flagOf(d.above_high), "high");
}

INSTANTIATE_TEST_SUITE_P(ProtocolTable, ProtocolDefault,
                         ::testing::Values(DefaultRange{"BILI", "umol/L", "3.4", "3.3999", "20.5", "20.5001"},
                                           DefaultRange{"ALB", "g/L", "40", "39.9999", "55", "55.0001"},
                                           DefaultRange{"PT", "s", "11.0", "10.9999", "14.5", "14.5001"},
                                           DefaultRange{"INR", "1", "0.8", "0.7999", "1.2", "1.2001"},
                                           DefaultRange{"PTA", "%", "70", "69.9999", "120", "120.0001"},
                                           DefaultRange{"APTT", "s", "25.0", "24.9999", "37.0", "37.0001"},
                                           DefaultRange{"FIBRINO", "g/L", "2.0", "1.9999", "4.0", "4.0001"},
                                           DefaultRange{"IGG", "g/L", "7.0", "6.9999", "16.0", "16.0001"},
                                           DefaultRange{"IGA", "g/L", "0.7", "0.6999", "4.0", "4.0001"},
                                           DefaultRange{"IGM", "g/L", "0.4", "0.3999", "2.3", "2.3001"}),
                         [](const ::testing::TestParamInfo<DefaultRange>& row) { return std::string(row.param.analyte); });

TEST(RangeChain, RoundedValueIsWhatGetsCompared) {
  // 20.50004 rounds to 20.5 before it is compared: normal, not high.
  auto r = runOne(Obs().analyte("BILI").value(qty("20.50004", "umol/L")));
  EXPECT_EQ(text(r.value), "20.5");
  EXPECT_EQ(text(r.flag), "normal");
  // 20.50005 rounds (half away from zero) to 20.5001: high.
  EXPECT_EQ(text(runOne(Obs().analyte("BILI").value(qty("20.50005", "umol/L"))).flag), "high");
}

// Site table rows, in a private copy of the mappings.
class SiteRanges : public ::testing::Test {
 protected:
  std::shared_ptr<const mapping::TrialConfig> withSite(const std::string& rows) {
    copy.replace("ranges.json", "\"site\": []", "\"site\": [" + rows + "]");
    return copy.load();
  }
  engine::OutcomeRecord one(std::shared_ptr<const mapping::TrialConfig> config, const Obs& o,
                            const std::string& roster = kDefaultRoster) {
    auto run = runInputs({o.json() + "\n"}, roster, std::move(config));
    EXPECT_EQ(run.records.size(), 1u);
    return run.records.empty() ? engine::OutcomeRecord{} : run.records.front();
  }
  MappingsCopy copy;
};

TEST_F(SiteRanges, SiteTableOverridesProtocol) {
  auto config = withSite(R"({ "analyte": "BILI", "low": 0, "high": 26 })");
  auto r = one(config, Obs().analyte("BILI").value(qty("22", "umol/L")));
  EXPECT_EQ(text(r.ref_source), "site");
  EXPECT_EQ(text(r.range.low), "0");
  EXPECT_EQ(text(r.range.high), "26");
  EXPECT_EQ(text(r.flag), "normal");  // protocol 20.5 would say high
}

TEST_F(SiteRanges, ObservationRangeBeatsSiteTable) {
  auto config = withSite(R"({ "analyte": "BILI", "low": 0, "high": 26 })");
  auto r = one(config, Obs().analyte("BILI").value(qty("22", "umol/L")).range(rangeText("3-21")));
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.flag), "high");
}

TEST_F(SiteRanges, SiteRowInAnotherUnit) {
  // 3.5-5.5 g/dL = 35-55 g/L
  auto config = withSite(R"({ "analyte": "ALB", "low": 3.5, "high": 5.5, "unit": "g/dL" })");
  auto r = one(config, Obs().analyte("ALB").value(qty("36", "g/L")));
  EXPECT_EQ(text(r.ref_source), "site");
  EXPECT_EQ(text(r.range.low), "35");
  EXPECT_EQ(text(r.range.high), "55");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST_F(SiteRanges, KeyedBySex) {
  auto config = withSite(R"({ "analyte": "BILI", "sex": "male", "low": 0, "high": 26 },
                            { "analyte": "BILI", "sex": "female", "low": 0, "high": 21 },
                            { "analyte": "BILI", "low": 1, "high": 23 })");
  const std::string roster =
      "subject_id,patient,dose1_date,dose2_date,sex\n"
      "M1,Patient/m,2026-01-01,,male\n"
      "F1,Patient/f,2026-01-01,,F\n"
      "U1,Patient/u,2026-01-01,,\n";
  auto m = one(config, Obs().analyte("BILI").subject("Patient/m").value(qty("22", "umol/L")), roster);
  EXPECT_EQ(text(m.range.high), "26");
  EXPECT_EQ(text(m.flag), "normal");
  auto f = one(config, Obs().analyte("BILI").subject("Patient/f").value(qty("22", "umol/L")), roster);
  EXPECT_EQ(text(f.range.high), "21");
  EXPECT_EQ(text(f.flag), "high");
  auto u = one(config, Obs().analyte("BILI").subject("Patient/u").value(qty("22", "umol/L")), roster);
  EXPECT_EQ(text(u.range.high), "23");  // no sex: the row for any sex
  EXPECT_EQ(text(u.ref_source), "site");
}

}  // namespace
}  // namespace fa::test

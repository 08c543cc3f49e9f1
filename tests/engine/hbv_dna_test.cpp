// HBV DNA (docs/trial-rules.md): "high" when quantified at or above the LLOQ (20 IU/mL by default, an
// Observation's own range high is its assay's LLOQ); a value equal to the LLOQ is quantified;
// "<20" normal, "<=20" indeterminate; not detected (text or SNOMED 260415000): value null,
// flag normal. No CTCAE criterion: grade null.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"

namespace fa::test {
namespace {

engine::OutcomeRecord hbv(const std::string& valueMember) {
  return runOne(Obs().analyte("HBVDNA").value(valueMember));
}

TEST(HbvDna, DefaultLloqShownAsRefHigh) {
  auto r = hbv(qty("1500", "IU/mL"));
  EXPECT_FALSE(r.range.low.has_value());
  EXPECT_EQ(text(r.range.high), "20");
  EXPECT_EQ(text(r.ref_source), "protocol");
  EXPECT_EQ(text(r.flag), "high");
  EXPECT_FALSE(r.ctcae_grade.has_value());
}

TEST(HbvDna, ValueEqualToLloqIsHigh) {
  EXPECT_EQ(text(hbv(qty("20", "IU/mL")).flag), "high");
  EXPECT_EQ(text(hbv(qty("19.9999", "IU/mL")).flag), "normal");
  EXPECT_EQ(text(hbv(qty("0", "IU/mL")).flag), "normal");
}

TEST(HbvDna, RoundingHappensBeforeTheLloqComparison) {
  // 19.99995 -> 20 (half away from zero) -> quantified
  EXPECT_EQ(text(hbv(qty("19.99995", "IU/mL")).flag), "high");
  EXPECT_EQ(text(hbv(qty("19.99994", "IU/mL")).flag), "normal");
}

TEST(HbvDna, CopiesAtTheLloq) {
  // 116.4 copies/mL / 5.82 = 20 IU/mL exactly -> high; 116.39 / 5.82 = 19.99828 -> 19.9983 normal
  auto at = hbv(qty("116.4", "copies/mL"));
  EXPECT_EQ(text(at.value), "20");
  EXPECT_EQ(text(at.flag), "high");
  auto below = hbv(qty("116.39", "copies/mL"));
  EXPECT_EQ(text(below.value), "19.9983");
  EXPECT_EQ(text(below.flag), "normal");
}

TEST(HbvDna, LessThanLloqIsNormal) {
  auto r = hbv(qtyCmp("<", "20", "IU/mL"));
  EXPECT_EQ(r.comparator, core::Comparator::Less);
  EXPECT_EQ(text(r.value), "20");
  EXPECT_EQ(text(r.flag), "normal");
  EXPECT_FALSE(r.reason.has_value());
  EXPECT_TRUE(r.selected);
}

TEST(HbvDna, LessOrEqualLloqIsIndeterminate) {
  auto r = hbv(qtyCmp("<=", "20", "IU/mL"));
  EXPECT_EQ(r.comparator, core::Comparator::LessOrEqual);
  EXPECT_EQ(text(r.flag), "indeterminate");
  EXPECT_TRUE(r.reason.has_value());
  EXPECT_FALSE(r.selected);  // indeterminate never represents a visit
}

TEST(HbvDna, AboveUpperLimitOfQuantification) {
  auto r = hbv(qtyCmp(">", "170000000", "IU/mL"));
  EXPECT_EQ(r.comparator, core::Comparator::Greater);
  EXPECT_EQ(text(r.value), "170000000");
  EXPECT_EQ(text(r.flag), "high");
  EXPECT_EQ(r.source_value, "170000000");  // number as sent, without the comparator
}

TEST(HbvDna, GreaterOrEqualAtLloqIsHigh) {
  EXPECT_EQ(text(hbv(qtyCmp(">=", "20", "IU/mL")).flag), "high");
}

TEST(HbvDna, LogCopiesBelowLloq) {
  // "<1.3" log IU/mL: 10^1.3 = 19.9526 -> "<19.9526" wholly below 20 -> normal
  auto r = hbv(qtyCmp("<", "1.3", "log IU/mL"));
  EXPECT_EQ(text(r.value), "19.9526");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST(HbvDna, ObservationRangeHighIsTheAssayLloq) {
  // Assay LLOQ 10 IU/mL: 15 is quantified (high), though below the default 20.
  auto r = runOne(Obs().analyte("HBVDNA").value(qty("15", "IU/mL")).range("{\"high\": {\"value\": 10, \"unit\": \"IU/mL\"}}"));
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.range.high), "10");
  EXPECT_EQ(text(r.flag), "high");
  auto at = runOne(Obs().analyte("HBVDNA").value(qty("10", "IU/mL")).range("{\"text\": \"<10 IU/mL\"}"));
  EXPECT_EQ(text(at.range.high), "10");
  EXPECT_EQ(text(at.flag), "high");
}

TEST(HbvDna, TargetNotDetectedString) {
  auto r = hbv(valueString("Target Not Detected"));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(text(r.flag), "normal");
  EXPECT_EQ(r.source_value, "Target Not Detected");
  EXPECT_FALSE(r.source_unit.has_value());
  EXPECT_EQ(text(r.range.high), "20");  // the range that applies is still shown
  EXPECT_FALSE(r.ctcae_grade.has_value());
  EXPECT_FALSE(r.reason.has_value());
}

TEST(HbvDna, NotDetectedStringIsLenient) {
  EXPECT_EQ(text(hbv(valueString("Not detected")).flag), "normal");
  EXPECT_EQ(text(hbv(valueString("  NOT DETECTED ")).flag), "normal");
}

TEST(HbvDna, SnomedNotDetectedCode) {
  auto r = hbv(
      R"("valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260415000", "display": "Not detected"}]})");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(text(r.flag), "normal");
  EXPECT_EQ(r.source_value, "Not detected");  // first coding's display
  auto codeOnly = hbv(R"("valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260415000"}]})");
  EXPECT_EQ(text(codeOnly.flag), "normal");
  EXPECT_EQ(codeOnly.source_value, "260415000");  // no display: the code
}

TEST(HbvDna, OtherCodedResultIsIndeterminate) {
  auto r = hbv(
      R"("valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260373001", "display": "Detected"}]})");
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(text(r.flag), "indeterminate");
  EXPECT_TRUE(r.reason.has_value());
  EXPECT_EQ(r.source_value, "Detected");
}

TEST(HbvDna, NumericTextResult) {
  auto r = hbv(valueString("<20 IU/mL"));
  EXPECT_EQ(r.comparator, core::Comparator::Less);
  EXPECT_EQ(text(r.value), "20");
  EXPECT_EQ(text(r.flag), "normal");
  EXPECT_EQ(r.source_value, "<20 IU/mL");  // a valueString as is
}

TEST(HbvDna, UnreadableTextIsIndeterminate) {
  auto r = hbv(valueString("see comment"));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(text(r.flag), "indeterminate");
  EXPECT_TRUE(r.reason.has_value());
}

// --- Decisions of turn 2 (docs/trial-rules.md "Reference ranges and flags", "Value shapes") ---

engine::OutcomeRecord hbvWithRange(const std::string& valueMember, const std::string& range) {
  return runOne(Obs().analyte("HBVDNA").value(valueMember).range(range));
}

TEST(HbvDna, ObservationRangeWithOnlyALowKeepsTheDefaultLloq) {
  // Range low 10, no high: no LLOQ from the Observation, so lloq 20 (protocol) applies.
  // 293 >= 20 -> high (was normal); 5 < 20 -> normal (was low).
  const std::string lowOnly = R"({"low": {"value": 10, "unit": "IU/mL"}})";
  auto high = hbvWithRange(qty("293", "IU/mL"), lowOnly);
  EXPECT_EQ(text(high.ref_source), "protocol");
  EXPECT_EQ(text(high.range.low), "null");
  EXPECT_EQ(text(high.range.high), "20");
  EXPECT_EQ(text(high.flag), "high");
  auto below = hbvWithRange(qty("5", "IU/mL"), lowOnly);
  EXPECT_EQ(text(below.ref_source), "protocol");
  EXPECT_EQ(text(below.flag), "normal");
}

TEST(HbvDna, TextRangeWithOnlyALowKeepsTheDefaultLloq) {
  // ">10" gives a low only: lloq 20 applies; 15 < 20 -> normal, 20 -> high.
  auto r = hbvWithRange(qty("15", "IU/mL"), R"({"text": ">10"})");
  EXPECT_EQ(text(r.ref_source), "protocol");
  EXPECT_EQ(text(r.range.high), "20");
  EXPECT_EQ(text(r.flag), "normal");
  EXPECT_EQ(text(hbvWithRange(qty("20", "IU/mL"), R"({"text": ">10 IU/mL"})").flag), "high");
}

TEST(HbvDna, ObservationLowIsDroppedNeverALowFlag) {
  // Range 10-30: the high 30 is the assay's LLOQ; the low plays no part (ref_low null).
  // 5 -> normal (not low), 30 -> high (at the LLOQ), 29 -> normal.
  const std::string both = R"({"low": {"value": 10, "unit": "IU/mL"}, "high": {"value": 30, "unit": "IU/mL"}})";
  auto low = hbvWithRange(qty("5", "IU/mL"), both);
  EXPECT_EQ(text(low.ref_source), "observation");
  EXPECT_EQ(text(low.range.low), "null");
  EXPECT_EQ(text(low.range.high), "30");
  EXPECT_EQ(text(low.flag), "normal");
  EXPECT_EQ(text(hbvWithRange(qty("30", "IU/mL"), both).flag), "high");
  EXPECT_EQ(text(hbvWithRange(qty("29", "IU/mL"), both).flag), "normal");
}

TEST(HbvDna, LowOnlyEntryThenAHighEntry) {
  // The first entry gives no LLOQ, the second does (high 15): 15 -> high against it.
  auto r = hbvWithRange(qty("15", "IU/mL"), R"({"low": {"value": 1}}, {"high": {"value": 15, "unit": "IU/mL"}})");
  EXPECT_EQ(text(r.ref_source), "observation");
  EXPECT_EQ(text(r.range.high), "15");
  EXPECT_EQ(text(r.flag), "high");
}

TEST(HbvDna, RangeWithLowAboveHighIsUnusable) {
  // low 100 > high 10: unusable, so lloq 20 applies; 15 < 20 -> normal (against 10 it would be high).
  auto r =
      hbvWithRange(qty("15", "IU/mL"), R"({"low": {"value": 100, "unit": "IU/mL"}, "high": {"value": 10, "unit": "IU/mL"}})");
  EXPECT_EQ(text(r.ref_source), "protocol");
  EXPECT_EQ(text(r.range.high), "20");
  EXPECT_EQ(text(r.flag), "normal");
}

TEST(HbvDna, ENotationTextAboveTheRange) {
  // ">1.70E+08 IU/mL" (Roche CAP/CTM): > 1.70 x 10^8 = 170000000 IU/mL; (1.7e8, inf) is wholly
  // at or above 20 -> high.
  auto r = hbv(valueString(">1.70E+08 IU/mL"));
  EXPECT_EQ(r.comparator, core::Comparator::Greater);
  EXPECT_EQ(text(r.value), "170000000");
  EXPECT_EQ(text(r.flag), "high");
  EXPECT_FALSE(r.reason.has_value()) << r.reason.value_or("");
  EXPECT_EQ(r.source_value, ">1.70E+08 IU/mL");
}

TEST(HbvDna, ENotationPlainAndInCopies) {
  // "2.5E+03 IU/mL" = 2500 -> high; "1.164e2 copies/mL" = 116.4 / 5.82 = 20 -> high (at the LLOQ);
  // "<2.0E+01 IU/mL" = <20 -> normal.
  auto plain = hbv(valueString("2.5E+03 IU/mL"));
  EXPECT_EQ(text(plain.value), "2500");
  EXPECT_EQ(plain.comparator, core::Comparator::None);
  EXPECT_EQ(text(plain.flag), "high");
  auto copies = hbv(valueString("1.164e2 copies/mL"));
  EXPECT_EQ(text(copies.value), "20");
  EXPECT_EQ(text(copies.flag), "high");
  auto below = hbv(valueString("<2.0E+01 IU/mL"));
  EXPECT_EQ(text(below.value), "20");
  EXPECT_EQ(text(below.flag), "normal");
}

class NotDetectedText : public ::testing::TestWithParam<const char*> {};

TEST_P(NotDetectedText, AsValueStringOrAsTheDisplayOfAnyCoding) {
  const std::string t = GetParam();
  auto s = hbv(valueString(t));
  EXPECT_FALSE(s.value.has_value());
  EXPECT_EQ(text(s.flag), "normal") << t;
  EXPECT_FALSE(s.reason.has_value()) << t;
  // As the display of the second coding, the first being a local code that means nothing.
  auto c = hbv(
      R"("valueCodeableConcept": {"coding": [{"system": "urn:local", "code": "X1"}, {"system": "urn:lab", "code": "ND", "display": ")" +
      t + R"("}]})");
  EXPECT_EQ(text(c.flag), "normal") << t;
}

INSTANTIATE_TEST_SUITE_P(DecidedList, NotDetectedText,
                         ::testing::Values("Target Not Detected", "Not detected", "Not detectable", "Undetectable", "Undetected",
                                           "TND", "Negative", "  not DETECTABLE ", "tnd", "NEGATIVE"));

TEST(HbvDna, DetectedTextsStayIndeterminate) {
  for (const char* t : {"Detected", "Not detectable below 20", "Positive", "<TND"}) {
    auto r = hbv(valueString(t));
    EXPECT_EQ(text(r.flag), "indeterminate") << t;
  }
}

TEST(HbvDna, DecidedLogSpellings) {
  // 10^3 = 1000 IU/mL for the IU forms; 10^3 / 5.82 = 171.82130584 -> 171.8213 for the copies forms.
  EXPECT_EQ(text(hbv(qty("3", "log copies/mL")).value), "171.8213");
  EXPECT_EQ(text(hbv(qty("3", "log10[IU]/mL")).value), "1000");
  EXPECT_EQ(text(hbv(ucum("3", "{log_IU}/mL")).value), "1000");
  EXPECT_EQ(text(hbv(ucum("3", "{Log_copies}/mL")).value), "171.8213");
  // As UCUM codes they are exact: "{LOG_IU}/mL" is not listed.
  EXPECT_EQ(text(hbv(ucum("3", "{LOG_IU}/mL")).flag), "indeterminate");
}

TEST(HbvDna, NotDetectedIsOnlyForHbv) {
  // "Not detected" means nothing for bilirubin: indeterminate.
  auto r = runOne(Obs().analyte("BILI").value(valueString("Not detected")));
  EXPECT_EQ(text(r.flag), "indeterminate");
}

}  // namespace
}  // namespace fa::test

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

TEST(HbvDna, NotDetectedIsOnlyForHbv) {
  // "Not detected" means nothing for bilirubin: indeterminate.
  auto r = runOne(Obs().analyte("BILI").value(valueString("Not detected")));
  EXPECT_EQ(text(r.flag), "indeterminate");
}

}  // namespace
}  // namespace fa::test

// Reading one Observation into plain facts (value[x], effective[x] fallbacks, status, meta,
// referenceRange, dataAbsentReason, modifierExtension), and the errors FHIR forbids.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "fhir/observation_facts.h"

namespace fa::fhir {
namespace {

ObservationParse parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return parseObservation(doc);
}

ObservationFacts facts(const std::string& members) {
  auto r =
      parse(R"({"resourceType": "Observation", "id": "o1", "status": "final")" + (members.empty() ? "" : ", " + members) + "}");
  if (auto* e = std::get_if<FieldError>(&r)) {
    ADD_FAILURE() << e->field << " " << e->message;
    return {};
  }
  return std::get<ObservationFacts>(r);
}

FieldError error(const std::string& json) {
  auto r = parse(json);
  if (!std::holds_alternative<FieldError>(r)) {
    ADD_FAILURE() << "expected an error for " << json;
    return {};
  }
  return std::get<FieldError>(r);
}

TEST(ObservationFacts, QuantityKeepsNumberText) {
  auto f = facts(
      R"("valueQuantity": {"value": 1.10, "comparator": "<=", "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"})");
  EXPECT_EQ(f.value_kind, ValueKind::Quantity);
  EXPECT_EQ(f.value_type, "valueQuantity");
  EXPECT_EQ(f.quantity.number_text, "1.10");
  EXPECT_EQ(f.quantity.value, core::Decimal::parse("1.1"));
  EXPECT_EQ(f.quantity.comparator, core::Comparator::LessOrEqual);
  EXPECT_EQ(f.quantity.unit.unit, "mg/dL");
  EXPECT_EQ(f.quantity.unit.system, "http://unitsofmeasure.org");
  EXPECT_EQ(f.quantity.unit.code, "mg/dL");
}

TEST(ObservationFacts, OtherValueKinds) {
  EXPECT_EQ(facts(R"("valueString": "Target Not Detected")").value_string, "Target Not Detected");
  auto cc = facts(
      R"("valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "260415000", "display": "Not detected"}]})");
  EXPECT_EQ(cc.value_kind, ValueKind::CodeableConcept);
  ASSERT_EQ(cc.value_codings.size(), 1u);
  EXPECT_EQ(cc.value_codings[0].code, "260415000");
  EXPECT_EQ(cc.value_codings[0].display, "Not detected");
  auto i = facts(R"("valueInteger": 3)");
  EXPECT_EQ(i.value_kind, ValueKind::Integer);
  EXPECT_EQ(i.quantity.number_text, "3");
  EXPECT_EQ(facts(R"("valueBoolean": true)").value_kind, ValueKind::Unsupported);
  EXPECT_EQ(facts("").value_kind, ValueKind::None);
}

TEST(ObservationFacts, EffectiveFallbacks) {
  EXPECT_EQ(facts(R"("effectiveDateTime": "2026-01-29", "issued": "2026-02-01T00:00:00Z")").effective->day, 29u);
  EXPECT_EQ(facts(R"("effectivePeriod": {"start": "2026-01-28T10:00:00Z"}, "issued": "2026-02-01T00:00:00Z")").effective->day,
            28u);
  EXPECT_EQ(facts(R"("effectiveInstant": "2026-01-27T10:00:00Z", "issued": "2026-02-01T00:00:00Z")").effective->day, 27u);
  EXPECT_EQ(facts(R"("issued": "2026-02-01T00:00:00Z")").effective->day, 1u);
  EXPECT_EQ(facts(R"("effectivePeriod": {"end": "2026-01-28"}, "issued": "2026-02-03T00:00:00Z")").effective->day, 3u);
  EXPECT_FALSE(facts("").effective.has_value());
}

TEST(ObservationFacts, MetaAndSubject) {
  auto f = facts(
      R"("meta": {"versionId": "7", "lastUpdated": "2026-02-01T00:00:01Z"}, "subject": {"reference": "Patient/p1", "identifier": {"system": "s", "value": "v"}})");
  EXPECT_EQ(f.version_id, "7");
  ASSERT_TRUE(f.last_updated.has_value());
  // 2026-02-01 is day 20485 since 1970-01-01; +1 s
  EXPECT_EQ(*f.last_updated, (20485LL * 86400 + 1) * 1000000);
  EXPECT_EQ(f.subject_reference, "Patient/p1");
  EXPECT_EQ(f.subject_identifier, std::make_pair(std::string("s"), std::string("v")));
}

TEST(ObservationFacts, DataAbsentReasonCode) {
  EXPECT_EQ(facts(R"("dataAbsentReason": {"coding": [{"code": "not-performed"}]})").data_absent_code, "not-performed");
  EXPECT_EQ(facts(R"("dataAbsentReason": {"text": "lost"})").data_absent_code, "lost");
}

TEST(ObservationFacts, ReferenceRanges) {
  auto f = facts(R"("referenceRange": [{"low": {"value": 3.4, "unit": "umol/L"}, "high": {"value": 20.5}}, {"text": "<20"}])");
  ASSERT_EQ(f.reference_ranges.size(), 2u);
  EXPECT_EQ(f.reference_ranges[0].low->number_text, "3.4");
  EXPECT_EQ(f.reference_ranges[0].low->unit.unit, "umol/L");
  EXPECT_FALSE(f.reference_ranges[0].high->unit.unit.has_value());
  EXPECT_EQ(f.reference_ranges[1].text, "<20");
}

TEST(ObservationFacts, ModifierExtensionsAnywhere) {
  auto f =
      facts(R"("modifierExtension": [{"url": "http://a"}], "referenceRange": [{"modifierExtension": [{"url": "http://b"}]}])");
  EXPECT_EQ(f.modifier_extensions, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_TRUE(facts(R"("extension": [{"url": "http://ordinary"}])").modifier_extensions.empty());
}

TEST(ObservationFacts, Statuses) {
  for (const char* s :
       {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}) {
    EXPECT_TRUE(isKnownObservationStatus(s)) << s;
  }
  EXPECT_FALSE(isKnownObservationStatus("retracted"));  // an output status, not a FHIR one
  EXPECT_FALSE(isKnownObservationStatus("Final"));
}

TEST(ObservationFacts, Errors) {
  EXPECT_EQ(error(R"({"resourceType": "Observation", "status": "final"})").field, "Observation.id");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o"})").field, "Observation.status");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "done"})").field, "Observation.status");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "final", "valueQuantity": {"value": true}})").field,
            "Observation.valueQuantity.value");
  EXPECT_EQ(
      error(R"({"resourceType": "Observation", "id": "o", "status": "final", "valueQuantity": {"value": 1, "comparator": "~"}})")
          .field,
      "Observation.valueQuantity.comparator");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "final", "effectiveDateTime": "29/01/2026"})").field,
            "Observation.effectiveDateTime");
  // A month is no instant; a bare date is tolerated (LastUpdatedDateOnlyIsMidnightUtc).
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "final", "meta": {"lastUpdated": "2026-02"}})").field,
            "Observation.meta.lastUpdated");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "final", "meta": {"lastUpdated": "yesterday"}})").field,
            "Observation.meta.lastUpdated");
  EXPECT_EQ(error(R"({"resourceType": "Observation", "id": "o", "status": "final", "valueInteger": 1.5})").field,
            "Observation.valueInteger");
}

TEST(ObservationFacts, LastUpdatedDateOnlyIsMidnightUtc) {
  // Rejecting a result over a sloppy server timestamp would lose data; 2026-02-01 is day 20485.
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(
      R"({"resourceType": "Observation", "id": "o", "status": "final", "meta": {"lastUpdated": "2026-02-01"}})");
  auto parsed = parseObservation(doc);
  ASSERT_TRUE(std::holds_alternative<ObservationFacts>(parsed));
  EXPECT_EQ(std::get<ObservationFacts>(parsed).last_updated, std::int64_t{20485} * 86400 * 1000000);
}

TEST(ObservationFacts, CodeCodingsReadAlone) {
  rapidjson::Document doc;
  doc.Parse(R"({"code": {"coding": [{"system": "http://loinc.org", "code": "1975-2"}, "junk", {"code": "x"}]}})");
  std::vector<CodingFacts> out;
  readCodeCodings(doc, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].system, "http://loinc.org");
  EXPECT_EQ(out[0].code, "1975-2");
  EXPECT_EQ(out[1].system, "");
}

}  // namespace
}  // namespace fa::fhir

// Reading one Observation into plain facts (value[x], effective[x] fallbacks, status, meta,
// referenceRange, dataAbsentReason, modifierExtension), and the errors FHIR forbids.
#include <deque>

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "fhir/observation_facts.h"

namespace fa::fhir {
namespace {

// The facts view into their document, so each parsed document is kept for the rest of the run.
const rapidjson::Document& document(const std::string& json) {
  static std::deque<rapidjson::Document> kept;
  rapidjson::Document& doc = kept.emplace_back();
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

std::string observation(const std::string& members) {
  return R"({"resourceType": "Observation", "id": "o1", "status": "final")" + (members.empty() ? "" : ", " + members) + "}";
}

ObservationFacts facts(const std::string& members) {
  ObservationFacts f;
  if (auto e = parseObservation(document(observation(members)), f)) ADD_FAILURE() << e->field << " " << e->message;
  return f;
}

FieldError error(const std::string& json) {
  ObservationFacts f;
  auto e = parseObservation(document(json), f);
  if (!e) {
    ADD_FAILURE() << "expected an error for " << json;
    return {};
  }
  return *e;
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
  EXPECT_EQ(f.subject_identifier, std::make_pair(std::string_view("s"), std::string_view("v")));
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
  EXPECT_EQ(f.modifier_extensions, (std::vector<std::string_view>{"http://a", "http://b"}));
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
  EXPECT_EQ(facts(R"("meta": {"lastUpdated": "2026-02-01"})").last_updated, std::int64_t{20485} * 86400 * 1000000);
}

TEST(ObservationFacts, AReusedFactsKeepsNothingOfTheResourceBefore) {
  ObservationFacts f;
  ASSERT_FALSE(parseObservation(
      document(observation(R"("meta": {"versionId": "2"}, "valueString": "x", "modifierExtension": [{"url": "http://m"}],)"
                           R"( "referenceRange": [{"text": "1-2"}], "dataAbsentReason": {"text": "lost"})")),
      f));
  ASSERT_EQ(f.reference_ranges.size(), 1u);
  ASSERT_FALSE(parseObservation(document(R"({"resourceType": "Observation", "id": "o2", "status": "amended"})"), f));
  EXPECT_EQ(f.id, "o2");
  EXPECT_EQ(f.status, "amended");
  EXPECT_EQ(f.version_id, "");
  EXPECT_EQ(f.value_kind, ValueKind::None);
  EXPECT_EQ(f.value_type, "");
  EXPECT_TRUE(f.reference_ranges.empty());
  EXPECT_TRUE(f.modifier_extensions.empty());
  EXPECT_FALSE(f.data_absent_code.has_value());
}

TEST(ObservationFacts, AMemberGivenTwiceCountsTheFirstTime) {
  // RapidJSON keeps both members; the first is read, as a member lookup finds it first.
  const auto f = facts(R"("id": "second", "valueQuantity": {"value": 1, "unit": "g/L", "value": 2, "unit": "mg/dL"},)"
                       R"( "valueString": "later")");
  EXPECT_EQ(f.id, "o1");
  EXPECT_EQ(f.value_kind, ValueKind::Quantity);
  EXPECT_EQ(f.quantity.number_text, "1");
  EXPECT_EQ(f.quantity.unit.unit, "g/L");
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

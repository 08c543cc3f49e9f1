// What a session keeps, ignores, skips and rejects (docs/trial-rules.md "Result status", "Subjects";
// docs/contract.md map: counts and rejections).
#include <gtest/gtest.h>

#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

Obs alb(const char* id = "o1") {
  return Obs(id).analyte("ALB").effective("2026-01-29").value(qty("42", "g/L"));
}

TEST(SessionInput, DataAbsentReasonKeptIndeterminate) {
  auto r = runOne(
      Obs()
          .analyte("ALB")
          .effective("2026-01-29")
          .extra(
              R"("dataAbsentReason": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-performed"}]})"));
  EXPECT_FALSE(r.value.has_value());
  EXPECT_FALSE(r.source_value.has_value());
  EXPECT_EQ(text(r.flag), "indeterminate");
  ASSERT_TRUE(r.reason.has_value());
  EXPECT_NE(r.reason->find("not-performed"), std::string::npos) << *r.reason;
  EXPECT_FALSE(r.selected);
  EXPECT_EQ(r.visit, "W4");
}

TEST(SessionInput, UnknownModifierExtensionIsRejected) {
  auto run = runObservations(
      {alb("bad").extra(
           R"("modifierExtension": [{"url": "http://example.org/fhir/StructureDefinition/not-really", "valueBoolean": true}])"),
       alb("good")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().resource_id, "good");
  EXPECT_EQ(run.counts.rejected, 1u);
  ASSERT_EQ(run.rejections.size(), 1u);
  EXPECT_EQ(run.rejections.front().resource, "Observation/bad");
  EXPECT_NE(run.rejections.front().why.find("modifierExtension"), std::string::npos);
  EXPECT_NE(run.rejections.front().where.find("line 1"), std::string::npos);
}

TEST(SessionInput, NestedModifierExtensionIsRejectedToo) {
  auto run = runObservations(
      {alb("bad").range(R"({"low": {"value": 35, "unit": "g/L"}, "modifierExtension": [{"url": "http://x.org/m"}]})")});
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.counts.rejected, 1u);
}

// On worker threads the parse notes whether any member is named modifierExtension, and only
// then are they looked for: a nested one, or one whose name is written with an escape
// ("\u0045" is "E"), must still be found; a resource without one maps as usual.
TEST(SessionInput, ModifierExtensionsAreFoundOnWorkerThreadsToo) {
  const std::string nested =
      alb("nested").range(R"({"low": {"value": 35, "unit": "g/L"}, "modifierExtension": [{"url": "http://x.org/m"}]})").json();
  const std::string escaped = alb("escaped").extra(R"("modifier\u0045xtension": [{"url": "http://x.org/m"}])").json();
  const std::string plain = alb("plain").json();
  auto run = runInputs({nested + "\n" + escaped + "\n" + plain + "\n"}, kDefaultRoster, defaultConfig(), "", true, 2);
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().resource_id, "plain");
  ASSERT_EQ(run.rejections.size(), 2u);
  EXPECT_EQ(run.rejections[0].resource, "Observation/nested");
  EXPECT_EQ(run.rejections[1].resource, "Observation/escaped");
  EXPECT_NE(run.rejections[1].why.find("http://x.org/m"), std::string::npos) << run.rejections[1].why;
}

TEST(SessionInput, AcceptedModifierExtensionFromMappings) {
  MappingsCopy copy;
  copy.replace("trial.json", "\"accepted_modifier_extensions\": []", "\"accepted_modifier_extensions\": [\"http://x.org/m\"]");
  auto run =
      runInputs({alb().extra(R"("modifierExtension": [{"url": "http://x.org/m"}])").json() + "\n"}, kDefaultRoster, copy.load());
  EXPECT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.counts.rejected, 0u);
}

TEST(SessionInput, InvalidObservationRejectedNamingTheElement) {
  auto run = runObservations(
      {alb("bad").status("done"), alb("bad2").value(R"("valueQuantity": {"value": "abc", "unit": "g/L"})"), alb("ok")});
  EXPECT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.counts.rejected, 2u);
  ASSERT_EQ(run.rejections.size(), 2u);
  EXPECT_NE(run.rejections[0].why.find("Observation.status"), std::string::npos);
  EXPECT_NE(run.rejections[1].why.find("Observation.valueQuantity.value"), std::string::npos);
  EXPECT_EQ(run.rejections[1].why.find("abc"), std::string::npos);  // never echoes the value
}

TEST(SessionInput, MalformedLineInTheMiddleOfNdjson) {
  std::string text = alb("a").json() + "\n{\"resourceType\": \"Observation\", \"id\": \n" + alb("b").json() + "\n";
  auto run = runInputs({text});
  EXPECT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.counts.rejected, 1u);
  ASSERT_EQ(run.rejections.size(), 1u);
  EXPECT_NE(run.rejections.front().where.find("line 2"), std::string::npos) << run.rejections.front().where;
}

TEST(SessionInput, UnmatchedCodesAndOtherResourcesIgnored) {
  auto run = runInputs({alb("a").json() + "\n" + Obs("glu").loinc("2345-7").value(qty("5", "mmol/L")).json() + "\n" +
                        R"({"resourceType": "Patient", "id": "p1"})"
                        "\n"});
  EXPECT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.counts.resources_read, 3u);
  EXPECT_EQ(run.counts.ignored, 2u);
  EXPECT_EQ(run.counts.rejected, 0u);
}

TEST(SessionInput, UnmatchedObservationIsNotChecked) {
  // Invalid, but not the trial's business: ignored, not rejected.
  auto run = runObservations({Obs("glu").loinc("2345-7").status("nonsense")});
  EXPECT_EQ(run.counts.ignored, 1u);
  EXPECT_EQ(run.counts.rejected, 0u);
}

TEST(SessionInput, AnyCodingMatches) {
  auto r = runOne(
      Obs()
          .codeRaw(
              R"({"coding": [{"system": "http://hospital.example/lab", "code": "ALB-1"}, {"system": "http://loinc.org", "code": "61151-7"}]})")
          .effective("2026-01-29")
          .value(qty("42", "g/L")));
  EXPECT_EQ(r.analyte, "ALB");
}

TEST(SessionInput, LoincCodesPerProtocolTable) {
  const std::vector<std::pair<const char*, const char*>> codes = {
      {"1975-2", "BILI"},    {"14631-6", "BILI"},   {"42719-5", "BILI"},   {"1751-7", "ALB"},     {"61151-7", "ALB"},
      {"61152-5", "ALB"},    {"2862-1", "ALB"},     {"54347-0", "ALB"},    {"5902-2", "PT"},      {"5964-2", "PT"},
      {"6301-6", "INR"},     {"34714-6", "INR"},    {"46418-0", "INR"},    {"5894-1", "PTA"},     {"3173-2", "APTT"},
      {"14979-9", "APTT"},   {"3255-7", "FIBRINO"}, {"2465-3", "IGG"},     {"2458-8", "IGA"},     {"2472-9", "IGM"},
      {"42595-9", "HBVDNA"}, {"48398-2", "HBVDNA"}, {"29615-2", "HBVDNA"}, {"20442-0", "HBVDNA"}, {"45161-7", "HBVDNA"}};
  for (const auto& [code, analyte] : codes) {
    const auto* def = defaultConfig()->analyteForCoding("http://loinc.org", code);
    ASSERT_NE(def, nullptr) << code;
    EXPECT_EQ(def->code, analyte) << code;
  }
  EXPECT_EQ(defaultConfig()->analyteForCoding("http://snomed.info/sct", "1975-2"), nullptr);  // system matters
}

TEST(SessionInput, SubjectReferenceForms) {
  EXPECT_EQ(runOne(alb().subject("Patient/p1")).subject_id, "S01");
  EXPECT_EQ(runOne(alb().subject("https://host.example/fhir/Patient/p1")).subject_id, "S01");
  EXPECT_EQ(runOne(alb().subject("Patient/p1/_history/4")).subject_id, "S01");
  EXPECT_EQ(runOne(alb().subjectRaw(R"({"identifier": {"system": "urn:oid:1.2.156.1", "value": "MRN-3"}})")).subject_id, "S03");
}

TEST(SessionInput, NotOnRosterIsSkippedAndCounted) {
  auto run = runObservations({alb().subject("Patient/stranger"),
                              alb("o2").subjectRaw(R"({"identifier": {"system": "urn:oid:1.2.156.1", "value": "MRN-9"}})")});
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.counts.skipped_not_on_roster, 2u);
  EXPECT_EQ(run.counts.rejected, 0u);
}

TEST(SessionInput, BaseUrlRestrictsAbsoluteReferences) {
  const std::string line = alb().subject("https://other.example/fhir/Patient/p1").json() + "\n";
  auto restricted = runInputs({line}, kDefaultRoster, defaultConfig(), "https://host.example/fhir");
  EXPECT_TRUE(restricted.records.empty());
  auto same = runInputs({alb().subject("https://host.example/fhir/Patient/p1").json() + "\n"}, kDefaultRoster, defaultConfig(),
                        "https://host.example/fhir/");
  EXPECT_EQ(same.records.size(), 1u);
  auto relative = runInputs({alb().json() + "\n"}, kDefaultRoster, defaultConfig(), "https://host.example/fhir");
  EXPECT_EQ(relative.records.size(), 1u);
}

TEST(SessionInput, RecordsWrittenCount) {
  auto run = runObservations({alb("a"), alb("b"), alb("a")});  // "a" twice without versions: one record
  EXPECT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.counts.records_written, 2u);
}

TEST(SessionInput, SingleResourceDocumentAndPrettyBundle) {
  const std::string pretty =
      "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"searchset\",\n  \"entry\": [\n    {\"resource\": " + alb("a").json() +
      "},\n    {\"resource\": " + alb("b").json() + "}\n  ]\n}\n";
  EXPECT_EQ(runInputs({pretty}).records.size(), 2u);
  const std::string single =
      "{\n\"resourceType\": \"Observation\", \"id\": \"s\", \"status\": \"final\",\n"
      "\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"1751-7\"}]},\n"
      "\"subject\": {\"reference\": \"Patient/p1\"}, \"effectiveDateTime\": \"2026-01-29\",\n"
      "\"valueQuantity\": {\"value\": 42, \"unit\": \"g/L\"}\n}\n";
  auto run = runInputs({single});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().resource_id, "s");
}

}  // namespace
}  // namespace fa::test

// Albumin infusions for the screening check (docs/trial-rules.md "Screening checks"): a human
// albumin MedicationAdministration (or MedicationRequest) of a rostered subject, with its date in
// the site zone (Asia/Shanghai, UTC+8). ATC B05AA01 comes with the default mappings.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "engine/albumin_infusion.h"
#include "engine/session_fixture.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

const char* kAtcAlbumin = R"({"coding": [{"system": "http://www.whocc.no/atc", "code": "B05AA01"}]})";

engine::InfusionReading read(const std::string& json, std::shared_ptr<const mapping::TrialConfig> config = defaultConfig()) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return engine::readAlbuminInfusion(doc, *config, *rosterFrom(kDefaultRoster));
}

std::string administration(const std::string& members) {
  return R"({"resourceType": "MedicationAdministration", "id": "12", )" + members + "}";
}

std::string given(const std::string& extra = "") {
  return administration(R"("status": "completed", "medicationCodeableConcept": )" + std::string(kAtcAlbumin) +
                        R"(, "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20T09:30:00+08:00")" + extra);
}

using Outcome = engine::InfusionReading::Outcome;

TEST(AlbuminInfusion, CompletedAdministrationOfARosteredSubject) {
  auto r = read(given());
  ASSERT_EQ(r.outcome, Outcome::Infusion);
  EXPECT_EQ(*r.infusion, (engine::AlbuminInfusion{"S01", "MedicationAdministration/12", "2025-12-20", "administration"}));
}

TEST(AlbuminInfusion, DateIsTakenInTheSiteZone) {
  // 2025-12-19T20:00:00Z is 2025-12-20 04:00 in Shanghai (UTC+8).
  auto r =
      read(administration(R"("status": "completed", "medicationCodeableConcept": )" + std::string(kAtcAlbumin) +
                          R"(, "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2025-12-19T20:00:00Z"})"));
  ASSERT_TRUE(r.infusion);
  EXPECT_EQ(r.infusion->date, "2025-12-20");
}

TEST(AlbuminInfusion, RequestUsesAuthoredOn) {
  auto r = read(R"({"resourceType": "MedicationRequest", "id": "7", "status": "active", "intent": "order",
                    "medicationCodeableConcept": )" +
                std::string(kAtcAlbumin) + R"(, "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-12-18"})");
  ASSERT_EQ(r.outcome, Outcome::Infusion);
  EXPECT_EQ(*r.infusion, (engine::AlbuminInfusion{"S01", "MedicationRequest/7", "2025-12-18", "request"}));
}

TEST(AlbuminInfusion, ContainedMedicationIsRead) {
  auto r = read(administration(R"("status": "completed", "contained": [{"resourceType": "Medication", "id": "m1", "code": )" +
                               std::string(kAtcAlbumin) + R"(}], "medicationReference": {"reference": "#m1"},
                               "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"));
  EXPECT_EQ(r.outcome, Outcome::Infusion);
  // A Medication elsewhere on the server cannot be judged from the resource: not albumin.
  auto elsewhere = read(administration(R"("status": "completed", "medicationReference": {"reference": "Medication/m1"},
                                          "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"));
  EXPECT_EQ(elsewhere.outcome, Outcome::NotAlbumin);
  EXPECT_EQ(elsewhere.resource, "MedicationAdministration/12");
}

TEST(AlbuminInfusion, OtherMedicationIsNotAlbumin) {
  // B05AA05 is dextran, not albumin.
  auto r = read(administration(
      R"("status": "completed", "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "B05AA05"}]},
                                  "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"));
  EXPECT_EQ(r.outcome, Outcome::NotAlbumin);
  EXPECT_FALSE(r.infusion);
}

TEST(AlbuminInfusion, SiteCodeFromTheMappings) {
  MappingsCopy copy;
  copy.replace("trial.json", R"("code": "B05AA01", "display": "albumin" })",
               R"("code": "B05AA01", "display": "albumin" }, { "system": "urn:hospital:drugs", "code": "ALB20" })");
  auto r = read(
      administration(
          R"("status": "in-progress", "medicationCodeableConcept": {"coding": [{"system": "urn:hospital:drugs", "code": "ALB20"}]},
                                  "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"),
      copy.load());
  EXPECT_EQ(r.outcome, Outcome::Infusion);
  // The default mappings do not know the site code.
  EXPECT_EQ(
      read(
          administration(
              R"("status": "completed", "medicationCodeableConcept": {"coding": [{"system": "urn:hospital:drugs", "code": "ALB20"}]},
                                   "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"))
          .outcome,
      Outcome::NotAlbumin);
}

TEST(AlbuminInfusion, NotGivenStatuses) {
  for (const char* status : {"not-done", "entered-in-error"}) {
    auto r = read(administration(R"("status": ")" + std::string(status) + R"(", "medicationCodeableConcept": )" + kAtcAlbumin +
                                 R"(, "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2025-12-20")"));
    EXPECT_EQ(r.outcome, Outcome::NotGiven) << status;
    EXPECT_EQ(r.resource, "MedicationAdministration/12");
  }
  for (const char* status : {"cancelled", "draft"}) {
    auto r = read(R"({"resourceType": "MedicationRequest", "id": "7", "status": ")" + std::string(status) +
                  R"(", "medicationCodeableConcept": )" + kAtcAlbumin +
                  R"(, "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-12-18"})");
    EXPECT_EQ(r.outcome, Outcome::NotGiven) << status;
  }
}

TEST(AlbuminInfusion, SubjectNotOnRosterOrByIdentifier) {
  auto off = read(administration(R"("status": "completed", "medicationCodeableConcept": )" + std::string(kAtcAlbumin) +
                                 R"(, "subject": {"reference": "Patient/elsewhere"}, "effectiveDateTime": "2025-12-20")"));
  EXPECT_EQ(off.outcome, Outcome::NotOnRoster);
  // S03 is on the roster by identifier urn:oid:1.2.156.1|MRN-3.
  auto byId = read(administration(
      R"("status": "completed", "medicationCodeableConcept": )" + std::string(kAtcAlbumin) +
      R"(, "subject": {"identifier": {"system": "urn:oid:1.2.156.1", "value": "MRN-3"}}, "effectiveDateTime": "2025-12-20")"));
  ASSERT_TRUE(byId.infusion);
  EXPECT_EQ(byId.infusion->subject_id, "S03");
}

TEST(AlbuminInfusion, NoUsableDate) {
  // Missing, a year-month only, and not a dateTime at all.
  for (const char* member : {R"("note": [])", R"("effectiveDateTime": "2025-12")", R"("effectiveDateTime": "yesterday")"}) {
    auto r = read(administration(R"("status": "completed", "medicationCodeableConcept": )" + std::string(kAtcAlbumin) +
                                 R"(, "subject": {"reference": "Patient/p1"}, )" + member));
    EXPECT_EQ(r.outcome, Outcome::NoDate) << member;
  }
}

TEST(AlbuminInfusion, OtherResourcesAreNoMedication) {
  EXPECT_EQ(read(Obs().analyte("ALB").value(qty("30", "g/L")).json()).outcome, Outcome::NotAMedicationResource);
  EXPECT_EQ(read(R"({"resourceType": "MedicationAdministration", "status": "completed"})").outcome,
            Outcome::NotAMedicationResource);  // no id
  EXPECT_EQ(read("[]").outcome, Outcome::NotAMedicationResource);
}

TEST(AlbuminInfusion, SearchValueFromTheMappings) {
  EXPECT_EQ(engine::albuminCodeSearchValue(*defaultConfig()), "http://www.whocc.no/atc|B05AA01");
  MappingsCopy copy;
  copy.replace("trial.json", R"("albumin_infusion_codings": [)",
               R"("albumin_infusion_codings": [ { "system": "urn:x", "code": "A" },)");
  EXPECT_EQ(engine::albuminCodeSearchValue(*copy.load()), "urn:x|A,http://www.whocc.no/atc|B05AA01");
}

TEST(AlbuminInfusion, MapIgnoresMedicationResourcesWithoutRejecting) {
  // `map` prints records only: an infusion in its input is read and ignored, never rejected.
  auto run = runInputs({given() + "\n" + Obs().analyte("ALB").value(qty("30", "g/L")).json() + "\n"});
  EXPECT_TRUE(run.rejections.empty());
  EXPECT_EQ(run.counts.resources_read, 2u);
  EXPECT_EQ(run.counts.ignored, 1u);
  EXPECT_EQ(run.counts.rejected, 0u);
  EXPECT_EQ(run.records.size(), 1u);
}

}  // namespace
}  // namespace fa::test

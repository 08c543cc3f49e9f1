// `audit export`: FHIR R4 AuditEvent resources in a Bundle checked against the AuditEvent
// structure (required elements, codes from the right systems and value sets), CSV, filters,
// and the latest review per record.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <regex>
#include <set>

#include "audit/audit_query.h"
#include "audit_fixtures.h"

namespace fa::audit_test {
namespace {

std::vector<audit::AuditEntry> sampleLog(const fs::path& dir) {
  {
    auto log = audit::AuditLog::open(settings(dir));
    log->append({"fhir-adapter",
                 "config_loaded",
                 "",
                 "",
                 "https://fhir.example/fhir",
                 "abc123",
                 "success",
                 {{"audit_mode", "hmac-sha256"}}});
    log->append(recordEvent(1, "record_created"));
    log->append(recordEvent(2, "record_updated"));
    log->append(recordEvent(3, "record_retracted"));
    log->append(recordEvent(4, "record_removed"));
    log->append({"fhir-adapter",
                 "mappings_reevaluated",
                 "",
                 "",
                 "",
                 "def456",
                 "success",
                 {{"previous", "abc123"}, {"current", "def456"}}});
    log->append(
        {"fhir-adapter", "mappings_reloaded", "", "", "", "def456", "serious_failure", {{"problem", "analytes.json: /x: bad"}}});
    log->append({"fhir-adapter/callback", "callback_rejected", "", "", "", "", "minor_failure", {{"reason", "auth"}}});
    log->append({"fhir-adapter/callback", "callback_rejected", "", "", "", "", "minor_failure", {{"reason", "bad_input"}}});
    log->append({"fhir-adapter", "subscription_registered", "", "Subscription/s1", "", "", "success", {}});
    log->append({"Dr A. Reviewer",
                 audit::kReviewAccepted,
                 "obs-2",
                 "Observation/obs-2/_history/2",
                 "",
                 "def456",
                 "success",
                 {{"subject_id", "S-103"}, {"analyte", "BILI"}, {"flag", "high"}}});
    log->append({"Dr B. Reviewer",
                 audit::kReviewOverridden,
                 "obs-2",
                 "Observation/obs-2/_history/2",
                 "",
                 "def456",
                 "success",
                 {{"subject_id", "S-103"},
                  {"analyte", "BILI"},
                  {"flag", "high"},
                  {"override_flag", "not_assessable"},
                  {"reason", "haemolysed sample"}}});
    log->append({"Dr A. Reviewer",
                 audit::kReviewAccepted,
                 "obs-4",
                 "Observation/obs-4/_history/2",
                 "",
                 "def456",
                 "success",
                 {{"subject_id", "S-105"}, {"analyte", "ALB"}, {"flag", "low"}}});
    log->append({"fhir-adapter", "daemon_stopped", "", "", "", "def456", "success", {{"reason", "signal"}}});
    log->close();
  }
  std::vector<audit::AuditEntry> out;
  audit::readEntries(dir, [&](const audit::AuditEntry& e) { out.push_back(e); });
  return out;
}

const std::string kDcm = "http://dicom.nema.org/resources/ontology/DCM";
const std::string kEventType = "http://terminology.hl7.org/CodeSystem/audit-event-type";

// The codes of http://hl7.org/fhir/ValueSet/audit-event-type used here (DCM event ids + rest).
const std::set<std::string> kTypeCodes = {"110100", "110101", "110110", "110113", "110114", "rest"};
const std::set<std::string> kSubtypeCodes = {"create", "update", "delete", "read", "110120", "110121"};

void expectCoding(const rapidjson::Value& c, const std::string& where) {
  ASSERT_TRUE(c.IsObject()) << where;
  ASSERT_TRUE(c.HasMember("system") && c["system"].IsString()) << where;
  ASSERT_TRUE(c.HasMember("code") && c["code"].IsString()) << where;
  EXPECT_TRUE(c.HasMember("display")) << where;
}

TEST(AuditExport, FhirBundleOfAuditEventsFollowsTheR4Structure) {
  TempDir tmp;
  auto entries = sampleLog(tmp.path());
  const std::string text = audit::fhirBundle(entries, "2026-03-01T00:00:00.000Z");
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(doc["type"].GetString(), "collection");
  const auto& bundleEntries = doc["entry"];
  ASSERT_EQ(bundleEntries.Size(), entries.size());
  const std::regex instant(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  const std::regex fhirId(R"([A-Za-z0-9\-\.]{1,64})");
  std::set<std::string> fullUrls;
  for (rapidjson::SizeType i = 0; i < bundleEntries.Size(); ++i) {
    const std::string where = "entry " + std::to_string(i) + " (" + entries[i].action + ")";
    const auto& be = bundleEntries[i];
    ASSERT_TRUE(be.HasMember("fullUrl"));
    EXPECT_EQ(std::string(be["fullUrl"].GetString()).rfind("urn:uuid:", 0), 0u);
    EXPECT_TRUE(fullUrls.insert(be["fullUrl"].GetString()).second) << where;
    const auto& r = be["resource"];
    EXPECT_STREQ(r["resourceType"].GetString(), "AuditEvent") << where;
    EXPECT_TRUE(std::regex_match(std::string(r["id"].GetString()), fhirId)) << where;
    // type 1..1 Coding
    ASSERT_TRUE(r.HasMember("type")) << where;
    expectCoding(r["type"], where);
    const std::string system = r["type"]["system"].GetString();
    EXPECT_TRUE(system == kDcm || system == kEventType) << where;
    EXPECT_TRUE(kTypeCodes.count(r["type"]["code"].GetString())) << where;
    if (r.HasMember("subtype")) {
      for (const auto& st : r["subtype"].GetArray()) {
        expectCoding(st, where);
        EXPECT_TRUE(kSubtypeCodes.count(st["code"].GetString())) << where;
      }
    }
    // action 0..1 code C R U D E
    ASSERT_TRUE(r.HasMember("action")) << where;
    EXPECT_TRUE(std::set<std::string>({"C", "R", "U", "D", "E"}).count(r["action"].GetString())) << where;
    // recorded 1..1 instant
    ASSERT_TRUE(r.HasMember("recorded")) << where;
    EXPECT_TRUE(std::regex_match(std::string(r["recorded"].GetString()), instant)) << where;
    // outcome 0..1 code 0 4 8 12
    ASSERT_TRUE(r.HasMember("outcome")) << where;
    EXPECT_TRUE(std::set<std::string>({"0", "4", "8", "12"}).count(r["outcome"].GetString())) << where;
    // agent 1..* with requestor 1..1
    ASSERT_TRUE(r.HasMember("agent") && r["agent"].IsArray() && r["agent"].Size() >= 1) << where;
    for (const auto& a : r["agent"].GetArray()) {
      ASSERT_TRUE(a.HasMember("requestor") && a["requestor"].IsBool()) << where;
      ASSERT_TRUE(a.HasMember("who")) << where;
      ASSERT_TRUE(a.HasMember("type")) << where;
      expectCoding(a["type"]["coding"][0], where);
      EXPECT_STREQ(a["type"]["coding"][0]["system"].GetString(),
                   "http://terminology.hl7.org/CodeSystem/extra-security-role-type");
    }
    // source 1..1 with observer 1..1
    ASSERT_TRUE(r.HasMember("source") && r["source"].HasMember("observer")) << where;
    EXPECT_STREQ(r["source"]["type"][0]["system"].GetString(), "http://terminology.hl7.org/CodeSystem/security-source-type");
    // entity: what, type from audit-entity-type, role from object-role, details typed strings
    ASSERT_TRUE(r.HasMember("entity")) << where;
    for (const auto& en : r["entity"].GetArray()) {
      ASSERT_TRUE(en.HasMember("what")) << where;
      EXPECT_STREQ(en["type"]["system"].GetString(), "http://terminology.hl7.org/CodeSystem/audit-entity-type");
      if (en.HasMember("role")) {
        EXPECT_STREQ(en["role"]["system"].GetString(), "http://terminology.hl7.org/CodeSystem/object-role");
      }
      if (en.HasMember("detail")) {
        for (const auto& d : en["detail"].GetArray()) {
          EXPECT_TRUE(d["type"].IsString() && d["valueString"].IsString()) << where;
        }
      }
    }
  }
  // Specific mappings.
  auto resource = [&](std::size_t i) -> const rapidjson::Value& {
    return bundleEntries[static_cast<rapidjson::SizeType>(i)]["resource"];
  };
  auto find = [&](const std::string& action) -> std::size_t {
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (entries[i].action == action) return i;
    return entries.size();
  };
  const auto& created = resource(find("record_created"));
  EXPECT_STREQ(created["type"]["code"].GetString(), "110110");
  EXPECT_STREQ(created["action"].GetString(), "C");
  EXPECT_STREQ(created["subtype"][0]["code"].GetString(), "create");
  EXPECT_STREQ(created["entity"][0]["what"]["reference"].GetString(), "https://fhir.example/fhir/Observation/obs-1/_history/2");
  EXPECT_STREQ(created["entity"][1]["what"]["identifier"]["value"].GetString(), "S-101");
  EXPECT_STREQ(created["entity"][1]["role"]["code"].GetString(), "1");
  EXPECT_STREQ(resource(find("record_removed"))["action"].GetString(), "D");
  EXPECT_STREQ(resource(find("record_retracted"))["action"].GetString(), "U");
  EXPECT_STREQ(resource(find("mappings_reloaded"))["outcome"].GetString(), "8");
  EXPECT_STREQ(resource(find("mappings_reloaded"))["outcomeDesc"].GetString(), "analytes.json: /x: bad");
  EXPECT_STREQ(resource(find("callback_rejected"))["type"]["code"].GetString(), "110114");
  EXPECT_STREQ(resource(find("callback_rejected"))["outcome"].GetString(), "4");
  EXPECT_STREQ(resource(find("config_loaded"))["subtype"][0]["code"].GetString(), "110120");
  const auto& overridden = resource(find(audit::kReviewOverridden));
  EXPECT_STREQ(overridden["agent"][0]["type"]["coding"][0]["code"].GetString(), "humanuser");
  EXPECT_STREQ(overridden["agent"][0]["who"]["display"].GetString(), "Dr B. Reviewer");
  bool reasonShown = false;
  for (const auto& d : overridden["entity"][0]["detail"].GetArray())
    reasonShown = reasonShown || std::string(d["valueString"].GetString()) == "haemolysed sample";
  EXPECT_TRUE(reasonShown);
  EXPECT_STREQ(resource(find("record_created"))["agent"][0]["type"]["coding"][0]["code"].GetString(), "dataprocessor");
}

TEST(AuditExport, CsvHasOneRowPerEntryWithQuotedDetails) {
  TempDir tmp;
  auto entries = sampleLog(tmp.path());
  const std::string csv = audit::formatCsv(entries);
  auto lines = splitLines(csv);
  EXPECT_EQ(lines.front(),
            "seq,time,actor,action,record_key,source_ref,source_server,rule_version,outcome,subject_id,analyte,details,hash");
  EXPECT_EQ(lines.size(), entries.size() + 1);
  EXPECT_NE(csv.find("\"{\"\"after.ctcae_grade\"\":\"\"1\"\""), std::string::npos);
}

TEST(AuditExport, FiltersSelectBySubjectAnalyteActionObservationAndTime) {
  TempDir tmp;
  auto entries = sampleLog(tmp.path());
  auto count = [&](const audit::EntryFilter& f) {
    std::size_t n = 0;
    for (const auto& e : entries)
      n += f.matches(e);
    return n;
  };
  EXPECT_EQ(count({"S-103", "", "", "", "", "", true}), 3u);  // record_created(obs-3... ) + two reviews of obs-2
  EXPECT_EQ(count({"", "ALB", "", "", "", "", true}), 3u);
  EXPECT_EQ(count({"", "", "record_created,record_removed", "", "", "", true}), 2u);
  EXPECT_EQ(count({"", "", "", "Observation/obs-2", "", "", true}), 3u);
  EXPECT_EQ(count({"", "", "", "obs-2", "", "", true}), 3u);
  const std::string today = entries.front().time.substr(0, 10);
  EXPECT_EQ(count({"", "", "", "", today, today, true}), entries.size());
  EXPECT_EQ(count({"", "", "", "", "2999-01-01", "", true}), 0u);
  EXPECT_EQ(count({"", "", "", "", "", "2000-01-01", true}), 0u);
  EXPECT_LT(count({"", "", "", "", "", "", false}), entries.size());
  EXPECT_FALSE(audit::formatTable(entries).empty());
}

TEST(AuditExport, LatestReviewPerRecordWins) {
  TempDir tmp;
  auto reviews = audit::latestReviews(sampleLog(tmp.path()));
  ASSERT_EQ(reviews.size(), 2u);
  EXPECT_EQ(reviews[0].record_key, "obs-2");
  EXPECT_EQ(reviews[0].decision, "overridden");
  EXPECT_EQ(reviews[0].reviewer, "Dr B. Reviewer");
  EXPECT_EQ(reviews[0].reason, "haemolysed sample");
  EXPECT_EQ(reviews[0].override_flag, "not_assessable");
  EXPECT_EQ(reviews[1].record_key, "obs-4");
  EXPECT_EQ(reviews[1].decision, "accepted");
}

}  // namespace
}  // namespace fa::audit_test

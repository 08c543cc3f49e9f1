// The albumin infusion searches of a pass (screening check): one per resource type by the
// configured albumin codes (per patient when per_patient), watermarked; infusions of rostered
// subjects kept, withdrawn ones forgotten; a server refusing the search does not fail the pass.
#include <gtest/gtest.h>

#include "sync_fixture.h"

namespace fa::test {
namespace {

// ATC B05AA01 as the poller encodes it: "http://www.whocc.no/atc|B05AA01".
const std::string kCode = "code=http%3A%2F%2Fwww.whocc.no%2Fatc%7CB05AA01";

std::string administration(const std::string& id, const std::string& status, const std::string& patient,
                           const std::string& updated, const std::string& when = "2026-01-05T10:00:00Z") {
  return R"({"resource":{"resourceType":"MedicationAdministration","id":")" + id +
         R"(","meta":{"versionId":"1","lastUpdated":")" + updated + R"("},"status":")" + status +
         R"(","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"B05AA01"}]},"subject":{"reference":")" +
         patient + R"("},"effectiveDateTime":")" + when + R"("}})";
}

std::string bundle(const std::vector<std::string>& entries) {
  std::string body = R"({"resourceType":"Bundle","type":"searchset","entry":[)";
  for (std::size_t i = 0; i < entries.size(); ++i)
    body += (i ? "," : "") + entries[i];
  return body + "]}";
}

class PollerInfusionsTest : public PollerFixture {
 protected:
  PollerInfusionsTest() { config.albumin_infusion_codings.push_back({"http://www.whocc.no/atc", "B05AA01"}); }
  std::string search(const std::string& type, const std::string& extra = "") const {
    return type + "?" + kCode + extra + "&_sort=_lastUpdated&_count=" + std::to_string(settings.page_size);
  }
  std::vector<engine::AlbuminInfusion> kept() {
    std::vector<engine::AlbuminInfusion> out;
    store->forEachAlbuminInfusion([&](const engine::AlbuminInfusion& i) { out.push_back(i); });
    return out;
  }
};

TEST_F(PollerInfusionsTest, SearchesBothTypesAndKeepsRosteredInfusions) {
  server->on(biliSearch(), 200, searchset({}));
  // p1 is S01; Patient/x is not on the roster: not kept.
  server->on(search("MedicationAdministration"), 200,
             bundle({administration("a1", "completed", "Patient/p1", "2026-03-01T08:00:00.000Z"),
                     administration("a2", "completed", "Patient/x", "2026-03-01T08:05:00.000Z")}));
  server->on(search("MedicationRequest"), 200, bundle({}));

  const sync::PassReport r = pass(false);

  EXPECT_TRUE(server->unexpected.empty()) << server->unexpected.front();
  EXPECT_EQ(r.queries, 3);  // BILI + two infusion searches
  EXPECT_EQ(r.albumin_infusions_seen, 1);
  EXPECT_EQ(kept(),
            (std::vector<engine::AlbuminInfusion>{{"S01", "MedicationAdministration/a1", "2026-01-05", "administration"}}));
  EXPECT_EQ(store->watermark("albumin:MedicationAdministration"), "2026-03-01T08:05:00.000Z");
  EXPECT_FALSE(store->watermark("albumin:MedicationRequest"));  // nothing listed yet
}

TEST_F(PollerInfusionsTest, AWithdrawnAdministrationIsForgotten) {
  server->on(biliSearch(), 200, searchset({}));
  server->on(search("MedicationAdministration"), 200,
             bundle({administration("a1", "completed", "Patient/p1", "2026-03-01T08:00:00.000Z")}));
  server->on(search("MedicationRequest"), 200, bundle({}));
  pass(false);
  ASSERT_EQ(kept().size(), 1u);
  // The next pass asks from the watermark minus the 60 s overlap and sees a1 entered-in-error.
  const std::string since = geParam("2026-03-01T07:59:00.000Z");
  server->on(biliSearch(), 200, searchset({}));
  server->on(search("MedicationAdministration", "") + since, 200,
             bundle({administration("a1", "entered-in-error", "Patient/p1", "2026-03-01T09:00:00.000Z")}));
  pass(false);
  EXPECT_TRUE(server->unexpected.empty()) << server->unexpected.front();
  EXPECT_TRUE(kept().empty());
}

TEST_F(PollerInfusionsTest, PerPatientSearches) {
  settings.per_patient = true;
  server->on(kBiliQuery + "&patient=Patient%2Fp1&_sort=_lastUpdated&_count=2", 200, searchset({}));
  server->on(kBiliQuery + "&patient=Patient%2Fp2&_sort=_lastUpdated&_count=2", 200, searchset({}));
  for (const char* type : {"MedicationAdministration", "MedicationRequest"}) {
    server->on(search(type, "&patient=Patient%2Fp1"), 200, bundle({}));
    server->on(search(type, "&patient=Patient%2Fp2"), 200, bundle({}));
  }
  const sync::PassReport r = pass(false);
  EXPECT_TRUE(server->unexpected.empty()) << server->unexpected.front();
  EXPECT_EQ(r.queries, 6);  // 2 subjects x (BILI + 2 infusion types)
}

TEST_F(PollerInfusionsTest, ARefusedSearchDoesNotFailThePass) {
  server->on(biliSearch(), 200, searchset({{"o1", "1", "2026-03-01T08:00:00.000Z"}}));
  server->on(search("MedicationAdministration"), 403, kNotFound);  // e.g. a SMART scope without it
  server->on(search("MedicationRequest"), 404, kNotFound);
  const sync::PassReport r = pass(false);
  EXPECT_EQ(r.infusion_searches_unavailable, 2);
  EXPECT_EQ(r.new_versions, 1);  // the Observation still stored
  EXPECT_TRUE(kept().empty());
}

TEST_F(PollerInfusionsTest, NoAlbuminCodesNoSearches) {
  config.albumin_infusion_codings.clear();
  server->on(biliSearch(), 200, searchset({}));
  const sync::PassReport r = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.queries, 1);
}

}  // namespace
}  // namespace fa::test

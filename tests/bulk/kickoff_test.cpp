// The kick-off request: URL per level, _typeFilter and _since encoding, and its headers.
#include "bulk/kickoff.h"
#include "bulk_fixture.h"

namespace fa::test {
namespace {

TEST(KickoffUrl, EachLevelAsksForTrialObservationsOnly) {
  bulk::BulkSettings s;
  const std::vector<std::string> codes{"http://loinc.org|1751-7", "http://loinc.org|1975-2"};
  // The whole "Observation?code=a,b" is one percent-encoded value: ? = %3F, = = %3D, : = %3A,
  // / = %2F, | = %7C, , = %2C.
  const std::string filter = "_typeFilter=Observation%3Fcode%3Dhttp%3A%2F%2Floinc.org%7C1751-7%2Chttp%3A%2F%2Floinc.org%7C1975-2";
  EXPECT_EQ(bulk::kickoffUrl(s, codes, "", std::nullopt), "$export?_type=Observation&" + filter);
  s.level = "patient";
  EXPECT_EQ(bulk::kickoffUrl(s, codes, "", std::nullopt), "Patient/$export?_type=Observation&" + filter);
  s.level = "group";
  s.group_id = "trial-1";
  EXPECT_EQ(bulk::kickoffUrl(s, codes, "", std::nullopt), "Group/trial-1/$export?_type=Observation&" + filter);
}

TEST(KickoffUrl, SinceAndCategory) {
  bulk::BulkSettings s;
  // category=laboratory& inside the filter: & = %26.
  EXPECT_EQ(bulk::kickoffUrl(s, {"http://loinc.org|1975-2"}, "laboratory", std::string("2026-03-01T12:00:00.000Z")),
            "$export?_type=Observation&_typeFilter=Observation%3Fcategory%3Dlaboratory%26code%3Dhttp%3A%2F%2Floinc.org%7C1975-2"
            "&_since=2026-03-01T12%3A00%3A00.000Z");
}

TEST(TrialCodes, EveryAnalyteCodeOnceSorted) {
  mapping::TrialConfig c;
  c.analytes.resize(2);
  c.coding_index["http://loinc.org|1975-2"] = 0;
  c.coding_index["http://loinc.org|14631-6"] = 0;
  c.coding_index["http://loinc.org|1751-7"] = 1;
  EXPECT_EQ(bulk::trialCodes(c),
            (std::vector<std::string>{"http://loinc.org|14631-6", "http://loinc.org|1751-7", "http://loinc.org|1975-2"}));
}

using KickoffRequest = BulkFixture;

TEST_F(KickoffRequest, AsksRespondAsyncForFhirJsonAndPersistsThePollingUrl) {
  cannedKickoff();
  http->on(kPoll, 202, "", {{"retry-after", "1"}});
  stop_now = false;
  run(1);  // the first wait is cut short: the run stops with the job persisted
  const auto kicks = http->to(kickoff());
  ASSERT_EQ(kicks.size(), 1u);
  EXPECT_EQ(kicks[0].method, "GET");
  EXPECT_EQ(kicks[0].headers.at("prefer"), "respond-async");
  EXPECT_EQ(kicks[0].headers.at("accept"), "application/fhir+json");
  EXPECT_EQ(kicks[0].headers.at("authorization"), kToken);
  const auto job = store::BulkJobStore(*store).job();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->polling_url, kPoll);
  EXPECT_FALSE(job->manifest);
}

TEST_F(KickoffRequest, SecondJobRefusedWith429IsAnErrorAndPersistsNothing) {
  http->on(kickoff(), 429, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"throttled"}]})");
  try {
    run();
    FAIL() << "expected a FhirError";
  } catch (const net::FhirError& e) {
    EXPECT_EQ(e.status(), 429);
  }
  EXPECT_FALSE(store::BulkJobStore(*store).job());
}

TEST_F(KickoffRequest, ServerWithoutExportIsUnsupported) {
  http->on(kickoff(), 404, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]})");
  EXPECT_THROW(run(), bulk::ExportUnsupported);
}

TEST_F(KickoffRequest, NextExportAsksSinceTheLastTransactionTime) {
  store::BulkJobStore(*store).setLastTransactionTime("2026-02-28T00:00:00.000Z");
  cannedKickoff("&_since=2026-02-28T00%3A00%3A00.000Z");
  http->on(kPoll, 200, manifest("2026-03-01T11:00:00Z", false, {}));
  http->on(kPoll, 202);  // the DELETE (same URL, next canned answer)
  const bulk::BulkReport r = run();
  EXPECT_TRUE(r.completed);
  EXPECT_TRUE(http->unexpected.empty()) << http->unexpected.front();
}

}  // namespace
}  // namespace fa::test

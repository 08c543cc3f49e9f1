// The manifest's files: the local code filter, deleted[], error[] without PHI, the token only
// when required and never across origins, expired files, the watermark, DELETE when done.
#include "bulk_fixture.h"
#include "net/redirects.h"
#include "store/bulk_job_store.h"

namespace fa::test {
namespace {

const std::string kFile1 = "http://fhir.test/fhir/$export-file/7/1.ndjson";
const std::string kFile2 = "http://fhir.test/fhir/$export-file/7/2.ndjson";
const std::string kStorage = "https://storage.test/b/7/1.ndjson?sig=abc";

using Files = BulkFixture;

TEST_F(Files, OnlyTrialCodesAreStoredWhateverTypeFilterDid) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T11:00:00Z", false, {kFile1}));
  const std::string albumin =
      R"({"resourceType":"Observation","id":"alb","meta":{"versionId":"1"},"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1751-7"}]}})";
  const std::string patient = R"({"resourceType":"Patient","id":"p1"})";
  http->on(kFile1, 200, bili("o1") + "\n" + albumin + "\n" + patient + "\n{broken\n" + bili("o2") + "\n");
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  // 5 lines: o1 and o2 stored; albumin is no trial code here; the Patient is another type; one
  // line is not JSON (line 4).
  EXPECT_EQ(r.counts.lines, 5);
  EXPECT_EQ(r.counts.new_versions, 2);
  EXPECT_EQ(r.counts.unmatched_codes, 1);
  EXPECT_EQ(r.counts.other_types, 1);
  EXPECT_EQ(r.counts.rejected, 1);
  EXPECT_EQ(store->observationIds(), (std::vector<std::string>{"o1", "o2"}));
  // Stored verbatim (the decimal keeps its text), source bulk.
  store->forEachVersion([&](const store::ObservationVersion& v) {
    if (v.id == "o1") {
      EXPECT_EQ(v.resource, bili("o1"));
      EXPECT_EQ(v.source, "bulk");
      EXPECT_EQ(v.version_key, "1");
    }
  });
}

TEST_F(Files, WatermarkIsTheTransactionTimeNotTheClock) {
  cannedKickoff();
  // transactionTime 11:00 +01:00 = 10:00 UTC; the clock says 12:00 UTC.
  http->on(kPoll, 200, manifest("2026-03-01T11:00:00+01:00", false, {kFile1}));
  http->on(kFile1, 200, bili("o1") + "\n");
  const bulk::BulkReport r = run();
  EXPECT_EQ(r.transaction_time, "2026-03-01T10:00:00.000Z");
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T10:00:00.000Z");
  EXPECT_EQ(store::BulkJobStore(*store).lastTransactionTime(), "2026-03-01T10:00:00.000Z");
}

TEST_F(Files, ALaterWatermarkStays) {
  store->setWatermark("BILI", "2026-03-01T11:30:00.000Z", "2026-03-01T11:30:00.000Z");
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {}));
  run();
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T11:30:00.000Z");
}

TEST_F(Files, JobIsDeletedWhenDoneAndForgotten) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  http->on(kFile1, 200, bili("o1") + "\n");
  run();
  const auto toPoll = http->to(kPoll);
  ASSERT_EQ(toPoll.size(), 2u);
  EXPECT_EQ(toPoll[0].method, "GET");
  EXPECT_EQ(toPoll[1].method, "DELETE");
  EXPECT_FALSE(store::BulkJobStore(*store).job());
  EXPECT_EQ(store::BulkJobStore(*store).finishedFileCount(), 0u);
}

TEST_F(Files, TokenOnlyWhenRequired) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  http->on(kFile1, 200, bili("o1") + "\n");
  run();
  const auto gets = http->to(kFile1);
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_FALSE(gets[0].headers.count("authorization"));
  EXPECT_EQ(gets[0].headers.at("accept"), "application/fhir+ndjson");
}

TEST_F(Files, TokenNeverFollowsARedirectToAnotherOrigin) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", true, {kFile1}));
  http->on(kFile1, 307, "", {{"location", kStorage}});
  http->on(kStorage, 200, bili("o1") + "\n");
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  ASSERT_EQ(http->to(kFile1).size(), 1u);
  EXPECT_EQ(http->to(kFile1)[0].headers.at("authorization"), kToken);
  ASSERT_EQ(http->to(kStorage).size(), 1u);
  EXPECT_FALSE(http->to(kStorage)[0].headers.count("authorization"));
  EXPECT_EQ(r.counts.new_versions, 1);
}

// The fetcher decides where the token goes by net::urlOrigin and follows Locations by
// net::resolveRedirect: the cases it relies on.
TEST(Origin, SchemeHostAndPortDecide) {
  EXPECT_EQ(net::urlOrigin("http://Fhir.test/fhir/x"), "http://fhir.test:80");
  EXPECT_EQ(net::urlOrigin("https://fhir.test:443/a"), "https://fhir.test:443");
  EXPECT_EQ(net::urlOrigin("https://user:pw@fhir.test/a"), "https://fhir.test:443");
  EXPECT_NE(net::urlOrigin("http://127.0.0.1:8080/a"), net::urlOrigin("http://localhost:8080/a"));
  EXPECT_NE(net::urlOrigin("http://h:8080/a"), net::urlOrigin("http://h:8081/a"));
  EXPECT_EQ(net::resolveRedirect("http://h:1/a/b?x=1", "/c"), "http://h:1/c");
  EXPECT_EQ(net::resolveRedirect("http://h:1/a/b?x=1", "c"), "http://h:1/a/c");
}

TEST_F(Files, DeletedListBecomesDeletions) {
  cannedKickoff();
  const std::string kDeleted = "http://fhir.test/fhir/$export-file/7/d.ndjson";
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {}, {kDeleted}));
  http->on(
      kDeleted, 200,
      R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"DELETE","url":"Observation/o9"},"response":{"lastModified":"2026-02-20T08:00:00Z"}},{"request":{"method":"DELETE","url":"Patient/p1"}}]})"
      "\n");
  const bulk::BulkReport r = run();
  EXPECT_EQ(r.counts.deletions, 1);  // the Patient's DELETE is not ours
  const auto deletions = store->deletions();
  ASSERT_EQ(deletions.size(), 1u);
  EXPECT_EQ(deletions[0].id, "o9");
  EXPECT_EQ(deletions[0].last_modified, "2026-02-20T08:00:00Z");
  EXPECT_EQ(deletions[0].source, "bulk");
}

TEST_F(Files, ErrorFilesAreReportedByIssueCodeOnly) {
  cannedKickoff();
  const std::string kErrors = "http://fhir.test/fhir/$export-file/7/e.ndjson";
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {}, {}, {kErrors}));
  http->on(
      kErrors, 200,
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"Jane DOE born 1970-01-01"}]})"
      "\n"
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"},{"severity":"warning","code":"too-costly"}]})"
      "\n");
  const bulk::BulkReport r = run();
  EXPECT_EQ(r.counts.issues, (std::map<std::string, std::int64_t>{{"error/processing", 2}, {"warning/too-costly", 1}}));
  const auto errors = logged("bulk_errors");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (bulk::LogFields{{"error/processing", "2"}, {"warning/too-costly", "1"}}));
  for (const auto& [event, fields] : logs)
    for (const auto& [k, v] : fields)
      EXPECT_EQ((k + v).find("Jane"), std::string::npos) << event;
}

TEST_F(Files, ExpiredFileMakesANewKickoff) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  http->on(kFile1, 410, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"deleted"}]})");
  http->on(kFile1, 200, bili("o1") + "\n");
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(r.kickoffs, 2);
  EXPECT_EQ(r.counts.new_versions, 1);
}

TEST_F(Files, TransientFailuresAreRetriedWithRetryAfter) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  http->on(kFile1, 503, "", {{"retry-after", "3"}});
  http->on(kFile1, 200, bili("o1") + "\n");
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(3000)}));
  EXPECT_EQ(http->to(kFile1).size(), 2u);
}

}  // namespace
}  // namespace fa::test

namespace fa::test {
namespace {

TEST_F(Files, WithdrawnResultsGetTheirHistoryAsTheSearchPathDoes) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {"http://fhir.test/fhir/$export-file/7/1.ndjson"}));
  // o1's current version 2 is entered-in-error; the export has nothing else of it.
  std::string withdrawn = bili("o1", "2");
  withdrawn.replace(withdrawn.find("\"final\""), 7, "\"entered-in-error\"");
  http->on("http://fhir.test/fhir/$export-file/7/1.ndjson", 200, withdrawn + "\n" + bili("o2") + "\n");
  http->on(kBase + "/Observation/o1/_history?_count=100", 200,
           R"({"resourceType":"Bundle","type":"history","entry":[{"resource":)" + withdrawn + R"(},{"resource":)" +
               bili("o1", "1") + "}]}");
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(r.history_reads, 1);  // o1 only: o2 has a usable version
  // o1 v2 and o2 from the file, o1 v1 from the history.
  EXPECT_EQ(r.counts.new_versions, 3);
  EXPECT_TRUE(store->hasUsableVersion("o1"));
  EXPECT_TRUE(http->unexpected.empty());
}

}  // namespace
}  // namespace fa::test

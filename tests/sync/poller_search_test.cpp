// The poller's searches: paging, dedupe, watermarks (Date cap, overlap, ge), per-patient
// queries, and progress committed page by page.
#include <gtest/gtest.h>

#include "sync_fixture.h"

namespace fa::test {
namespace {

class PollerSearchTest : public PollerFixture {};

// A next link as HAPI writes it: nothing the client could rebuild from the first URL.
const std::string kNext1 = "http://fhir.test/fhir?_getpages=abc-123&_getpagesoffset=2&_count=2&_bundletype=searchset";
const std::string kNext2 = "http://fhir.test/fhir?_getpages=abc-123&_getpagesoffset=4&_count=2&_bundletype=searchset";

TEST_F(PollerSearchTest, FollowsNextLinksVerbatimAndDedupesOnIdAndVersion) {
  server->on(biliSearch(), 200,
             searchset({{"o1", "1", "2026-03-01T08:00:00.000Z"}, {"o2", "1", "2026-03-01T08:10:00.000Z"}}, kNext1));
  // o2 v1 again (offset paging over changing data shows it twice), then o3 in two versions.
  server->on(kNext1, 200, searchset({{"o2", "1", "2026-03-01T08:10:00.000Z"}, {"o3", "1", "2026-03-01T08:20:00.000Z"}}, kNext2));
  server->on(kNext2, 200, searchset({{"o3", "2", "2026-03-01T08:30:00.000Z"}}));

  const sync::PassReport r = pass(false);

  EXPECT_TRUE(server->unexpected.empty());
  const std::vector<std::string> expected = {FakeFhirServer::absolute(biliSearch()), kNext1, kNext2};
  EXPECT_EQ(server->requests, expected);
  EXPECT_EQ(r.queries, 1);
  EXPECT_EQ(r.pages, 3);
  EXPECT_EQ(r.requests, 3);
  EXPECT_EQ(r.observations_seen, 5);  // 2 + 2 + 1 entries
  EXPECT_EQ(r.new_versions, 4);       // o1v1, o2v1, o3v1, o3v2: the second o2v1 is the same version
  EXPECT_EQ(store->versionCount(), 4u);
  // Highest lastUpdated 08:30; the cap (Date 12:00:00 - 5 s lag = 11:59:55) is later.
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:30:00.000Z");
}

TEST_F(PollerSearchTest, WatermarkIsCappedByTheServerDateMinusTheLagAndTheNextQueryOverlaps) {
  server->date = "Sun, 01 Mar 2026 08:20:00 GMT";
  server->on(biliSearch(), 200, searchset({{"o1", "1", "2026-03-01T08:10:00.000Z"}, {"o2", "1", "2026-03-01T08:19:58.000Z"}}));
  pass(false);
  // max lastUpdated 08:19:58 is later than Date - lag = 08:20:00 - 5 s = 08:19:55: capped.
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:19:55.000Z");

  // Next pass: ge(08:19:55 - 60 s overlap) = ge 08:18:55. It lists o2 again and o3, committed
  // late with an lastUpdated (08:19:57) earlier than o2's.
  server->date = "Sun, 01 Mar 2026 08:30:00 GMT";
  const std::string next = biliSearch(geParam("2026-03-01T08:18:55.000Z"));
  server->on(next, 200, searchset({{"o3", "1", "2026-03-01T08:19:57.000Z"}, {"o2", "1", "2026-03-01T08:19:58.000Z"}}));
  const sync::PassReport r = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(server->requests.back(), FakeFhirServer::absolute(next));
  EXPECT_EQ(r.new_versions, 1);  // o3; o2 v1 is known
  // max 08:19:58, cap 08:29:55 not reached.
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:19:58.000Z");
}

TEST_F(PollerSearchTest, WatermarkNeverMovesBackwards) {
  store->setWatermark("BILI", "2026-03-01T10:00:00.000Z", "2026-03-01T10:00:05.000Z");
  // ge(10:00:00 - 60 s) = ge 09:59:00 lists only a result at 09:59:30 (the one at 10:00 was deleted).
  server->on(biliSearch(geParam("2026-03-01T09:59:00.000Z")), 200, searchset({{"o1", "1", "2026-03-01T09:59:30.000Z"}}));
  pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T10:00:00.000Z");
}

TEST_F(PollerSearchTest, AServerClockSetBackPullsTheWatermarkBack) {
  store->setWatermark("BILI", "2026-03-01T10:00:00.000Z", "2026-03-01T10:00:05.000Z");
  // The server's clock now says 09:00: what it commits next is stamped before 10:00.
  server->date = "Sun, 01 Mar 2026 09:00:00 GMT";
  server->on(biliSearch(geParam("2026-03-01T09:59:00.000Z")), 200, searchset({{"o1", "1", "2026-03-01T09:59:30.000Z"}}));
  pass(false);
  // max(stored 10:00, newest 09:59:30) = 10:00, capped by 09:00:00 - 5 s = 08:59:55.
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:59:55.000Z");
}

TEST_F(PollerSearchTest, PerPatientQueriesHaveOneWatermarkEach) {
  settings.per_patient = true;
  settings.category = "laboratory";
  const std::string p1 = kBiliQuery + "&category=laboratory&patient=Patient%2Fp1&_sort=_lastUpdated&_count=2";
  const std::string p2 = kBiliQuery + "&category=laboratory&patient=Patient%2Fp2&_sort=_lastUpdated&_count=2";
  server->on(p1, 200, searchset({{"o1", "1", "2026-03-01T08:00:00.000Z"}}));
  server->on(p2, 200, searchset({{"o2", "3", "2026-03-01T09:00:00.000Z"}}));

  const sync::PassReport r = pass(false);

  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(server->requests, (std::vector<std::string>{FakeFhirServer::absolute(p1), FakeFhirServer::absolute(p2)}));
  EXPECT_EQ(r.queries, 2);
  EXPECT_EQ(store->watermark("BILI@S01"), "2026-03-01T08:00:00.000Z");
  EXPECT_EQ(store->watermark("BILI@S02"), "2026-03-01T09:00:00.000Z");
  EXPECT_FALSE(store->watermark("BILI"));
}

TEST_F(PollerSearchTest, InterruptedFirstLoadResumesWithOnlyTheRemainingPages) {
  server->on(biliSearch(), 200,
             searchset({{"o1", "1", "2026-03-01T08:00:00.000Z"}, {"o2", "1", "2026-03-01T08:10:00.000Z"}}, kNext1));
  server->on(kNext1, 200, searchset({{"o3", "1", "2026-03-01T08:20:00.000Z"}, {"o4", "1", "2026-03-01T08:30:00.000Z"}}, kNext2));
  server->on(kNext2, 200, searchset({{"o5", "1", "2026-03-01T08:40:00.000Z"}}));
  stop_after_pages = 2;
  const sync::PassReport first = pass(false);
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(server->requests.size(), 2u);
  // Page 2 was committed with its progress: its highest lastUpdated.
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:30:00.000Z");

  // Restart: ge(08:30:00 - 60 s) = ge 08:29:00 lists o4 (again) and o5, in one page.
  stop_after_pages = 0;
  const std::string resume = biliSearch(geParam("2026-03-01T08:29:00.000Z"));
  server->on(resume, 200, searchset({{"o4", "1", "2026-03-01T08:30:00.000Z"}, {"o5", "1", "2026-03-01T08:40:00.000Z"}}));
  const sync::PassReport second = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  ASSERT_EQ(server->requests.size(), 3u);  // one request for the remaining page, not three
  EXPECT_EQ(server->requests[2], FakeFhirServer::absolute(resume));
  EXPECT_EQ(second.requests, 1);
  EXPECT_EQ(second.new_versions, 1);  // o5; o4 was stored by the first run
  EXPECT_EQ(store->versionCount(), 5u);
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:40:00.000Z");
}

TEST_F(PollerSearchTest, EqualTimestampsAcrossAPageBoundaryAreNotLostOnResume) {
  settings.overlap = std::chrono::seconds(0);
  // o2 and o3 share 08:10:00: page 1 ends in the middle of that instant.
  server->on(biliSearch(), 200,
             searchset({{"o1", "1", "2026-03-01T08:00:00.000Z"}, {"o2", "1", "2026-03-01T08:10:00.000Z"}}, kNext1));
  stop_after_pages = 1;
  pass(false);
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:10:00.000Z");

  // ge (not gt) 08:10:00, overlap 0: o2 again and o3, which a gt would have skipped.
  stop_after_pages = 0;
  const std::string resume = biliSearch(geParam("2026-03-01T08:10:00.000Z"));
  server->on(resume, 200, searchset({{"o2", "1", "2026-03-01T08:10:00.000Z"}, {"o3", "1", "2026-03-01T08:10:00.000Z"}}, kNext2));
  server->on(kNext2, 200, searchset({{"o4", "1", "2026-03-01T08:20:00.000Z"}}));
  const sync::PassReport r = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.new_versions, 2);  // o3, o4
  EXPECT_EQ(store->versionCount(), 4u);
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:20:00.000Z");
}

TEST_F(PollerSearchTest, UnsortedResultsTakeBackPageProgress) {
  // A server ignoring _sort: page 2 holds a result (08:00) older than page 1's newest (08:30).
  server->on(biliSearch(), 200,
             searchset({{"o1", "1", "2026-03-01T08:20:00.000Z"}, {"o2", "1", "2026-03-01T08:30:00.000Z"}}, kNext1));
  server->on(kNext1, 200, searchset({{"o3", "1", "2026-03-01T08:00:00.000Z"}, {"o4", "1", "2026-03-01T08:40:00.000Z"}}, kNext2));
  server->on(kNext2, 200, searchset({{"o5", "1", "2026-03-01T08:50:00.000Z"}}));
  stop_after_pages = 1;
  pass(false);
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:30:00.000Z");  // looked sorted so far
  store->clearWatermark("BILI");                                    // the same first load again, stopped after page 2
  pages_committed = 0;
  stop_after_pages = 2;
  const sync::PassReport interrupted = pass(false);
  EXPECT_EQ(interrupted.unsorted_queries, 1);
  // Resuming from 08:40 would lose results the unsorted later pages hold: no progress kept.
  EXPECT_FALSE(store->watermark("BILI"));

  stop_after_pages = 0;
  const sync::PassReport whole = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(whole.pages, 3);                                        // from the start again
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T08:50:00.000Z");  // written once all pages are in
}

}  // namespace
}  // namespace fa::test

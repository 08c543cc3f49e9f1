// The poller's rescans: vanished results are read; only that read's 404/410 is evidence. A 410
// is confirmed by a second read at the end of the same rescan, a 404 only by a later rescan at
// least deletion_confirm_seconds after the first; reappearance undoes either; failures are
// never deletions.
#include <gtest/gtest.h>

#include "sync/read_evidence.h"
#include "sync_fixture.h"

namespace fa::test {
namespace {

class PollerRescanTest : public PollerFixture {
 protected:
  // First load: o1 (08:00) and o2 (08:10) in one page; watermark 08:10. Then the searches a
  // rescan makes: the incremental one, ge(08:10 - 60 s) = ge 08:09:00, finds nothing new; the
  // full listing (the first load's URL) shows only `listed`.
  void loadThenList(const std::vector<Obs>& listed) {
    server->on(biliSearch(), 200, searchset({o1, o2}));
    pass(false);
    ASSERT_EQ(store->watermark("BILI"), "2026-03-01T08:10:00.000Z");
    server->on(biliSearch(geParam("2026-03-01T08:09:00.000Z")), 200, searchset({}));
    server->on(biliSearch(), 200, searchset(listed));
    server->requests.clear();
  }

  const Obs o1{"o1", "1", "2026-03-01T08:00:00.000Z"};
  const Obs o2{"o2", "1", "2026-03-01T08:10:00.000Z"};
};

TEST_F(PollerRescanTest, GoneIsADeletionAtOnceWhenNoConfirmationIsAsked) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({o1});
  server->on("Observation/o2", 410, kGone);
  server->on(history("o2"), 200, historyBundle({o2}, "2026-03-01T09:00:00.000Z"));

  const sync::PassReport r = pass(true);

  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.requests, 4);  // incremental search, listing, read of o2, its history
  EXPECT_TRUE(r.rescanned);
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.pending_deletions, 0);
  const auto deletions = store->deletions();
  ASSERT_EQ(deletions.size(), 1u);
  EXPECT_EQ(deletions[0].id, "o2");
  EXPECT_EQ(deletions[0].last_modified, "2026-03-01T09:00:00.000Z");  // the history's DELETE time
}

TEST_F(PollerRescanTest, A410IsConfirmedByASecondReadAtTheEndOfTheSameRescan) {
  // default deletion_confirm_seconds: 3600, yet one rescan (one `run --once`) withdraws it.
  loadThenList({o1});
  server->on("Observation/o2", 410, kGone);
  server->on(history("o2"), 200, historyBundle({o2}, "2026-03-01T09:00:00.000Z"));

  const sync::PassReport r = pass(true);

  EXPECT_TRUE(server->unexpected.empty());
  // incremental search, listing, read of o2, its second read, its history: 5
  EXPECT_EQ(r.requests, 5);
  ASSERT_EQ(server->requests.size(), 5u);
  EXPECT_EQ(server->requests[2], FakeFhirServer::absolute("Observation/o2"));
  EXPECT_EQ(server->requests[3], FakeFhirServer::absolute("Observation/o2"));
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.pending_new, 1);  // pending between the two reads
  EXPECT_EQ(r.pending_deletions, 0);
  ASSERT_EQ(store->deletions().size(), 1u);
  EXPECT_EQ(store->deletions()[0].last_modified, "2026-03-01T09:00:00.000Z");
}

TEST_F(PollerRescanTest, TheSecondReadOfA410ComesAfterEveryOtherRead) {
  loadThenList({});  // both vanished from the listing
  server->on("Observation/o1", 410, kGone);
  server->on("Observation/o2", 200, observationJson(o2));
  server->on(history("o1"), 404, kNotFound);

  const sync::PassReport r = pass(true);

  EXPECT_TRUE(server->unexpected.empty());
  // search, listing, read o1 (410), read o2 (200), read o1 again (410), history of o1
  const std::vector<std::string> expected = {FakeFhirServer::absolute("Observation/o1"),
                                             FakeFhirServer::absolute("Observation/o2"),
                                             FakeFhirServer::absolute("Observation/o1"), FakeFhirServer::absolute(history("o1"))};
  ASSERT_EQ(server->requests.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(server->requests.begin() + 2, server->requests.end()), expected);
  EXPECT_EQ(r.deletions, 1);
}

TEST_F(PollerRescanTest, A410ThenA200AtTheSecondReadIsNoDeletion) {
  loadThenList({o1});
  server->once("Observation/o2", 410, kGone);
  server->on("Observation/o2", 200, observationJson(o2));  // the second read: there after all

  const sync::PassReport r = pass(true);

  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.requests, 4);  // search, listing, two reads; no history
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.pending_new, 1);
  EXPECT_EQ(r.pending_cleared, 1);
  EXPECT_EQ(r.pending_deletions, 0);
  EXPECT_EQ(r.new_versions, 0);  // o2 version 1 was stored already
  EXPECT_TRUE(store->deletions().empty());
}

TEST_F(PollerRescanTest, A410ThenA404AtTheSecondReadStaysPending) {
  loadThenList({o1});
  server->once("Observation/o2", 410, kGone);
  server->on("Observation/o2", 404, kNotFound);

  const sync::PassReport r = pass(true);

  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.requests, 4);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.pending_deletions, 1);  // a 404 waits for a rescan an hour later
  EXPECT_EQ(store->pendingDeletion("o2")->first_seen, "2026-03-01T12:00:00.000Z");
}

TEST_F(PollerRescanTest, A404IsPendingUntilARescanAnHourLaterConfirmsIt) {
  // default deletion_confirm_seconds: 3600
  loadThenList({o1});
  server->on("Observation/o2", 404, kNotFound);
  server->on(history("o2"), 404, kNotFound);

  clock = at("2026-03-01T12:00:00.000Z");
  sync::PassReport r = pass(true);  // think: `run --once`, first run
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.pending_new, 1);
  EXPECT_EQ(r.pending_deletions, 1);
  EXPECT_EQ(r.requests, 3);  // no history yet: nothing is confirmed
  ASSERT_TRUE(store->pendingDeletion("o2"));
  EXPECT_EQ(store->pendingDeletion("o2")->first_seen, "2026-03-01T12:00:00.000Z");

  clock = at("2026-03-01T12:59:59.000Z");  // 3599 s after the first answer: too early
  r = pass(true);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.pending_new, 0);
  EXPECT_EQ(r.pending_deletions, 1);
  EXPECT_EQ(store->pendingDeletion("o2")->first_seen, "2026-03-01T12:00:00.000Z");  // kept
  EXPECT_EQ(store->pendingDeletion("o2")->last_seen, "2026-03-01T12:59:59.000Z");

  clock = at("2026-03-01T13:00:00.000Z");  // 3600 s: at least the confirmation time
  r = pass(true);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.pending_deletions, 0);
  EXPECT_FALSE(store->pendingDeletion("o2"));
  ASSERT_EQ(store->deletions().size(), 1u);
  // No history: the deletion is dated by the confirming answer's Date header.
  EXPECT_EQ(store->deletions()[0].last_modified, "2026-03-01T12:00:00.000Z");
}

TEST_F(PollerRescanTest, AResultSeenAgainInASearchUndoesItsPendingDeletion) {
  loadThenList({o1});
  server->on("Observation/o2", 404, kNotFound);
  EXPECT_EQ(pass(true).pending_deletions, 1);

  clock = at("2026-03-01T13:30:00.000Z");
  server->on(biliSearch(), 200, searchset({o1, o2}));  // the listing shows it again
  const sync::PassReport r = pass(true);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.pending_cleared, 1);
  EXPECT_EQ(r.pending_deletions, 0);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.requests, 2);  // incremental search and listing: nothing vanished, nothing read
}

TEST_F(PollerRescanTest, AResultFoundByItsReadUndoesItsPendingDeletion) {
  loadThenList({o1});
  server->on("Observation/o2", 404, kNotFound);
  pass(true);
  // An hour later the read answers 200 (it moved out of the query: a new code, version 2).
  clock = at("2026-03-01T13:00:00.000Z");
  server->on("Observation/o2", 200, observationJson({"o2", "2", "2026-03-01T12:30:00.000Z"}));
  const sync::PassReport r = pass(true);
  EXPECT_EQ(r.pending_cleared, 1);
  EXPECT_EQ(r.pending_deletions, 0);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.new_versions, 1);
  EXPECT_EQ(store->versionCount(), 3u);  // o1v1, o2v1, o2v2
}

TEST_F(PollerRescanTest, AConfirmedDeletionIsUndoneWhenTheResultReappears) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({o1});
  server->on("Observation/o2", 410, kGone);
  server->on(history("o2"), 410, kGone);
  ASSERT_EQ(pass(true).deletions, 1);

  // Restored on the server as version 2: the incremental search finds it.
  server->on(biliSearch(geParam("2026-03-01T08:09:00.000Z")), 200, searchset({{"o2", "2", "2026-03-01T12:10:00.000Z"}}));
  const sync::PassReport r = pass(false);
  EXPECT_EQ(r.deletions_undone, 1);
  EXPECT_EQ(r.new_versions, 1);
  EXPECT_TRUE(store->deletions().empty());
}

TEST_F(PollerRescanTest, AnEmptyListingIsNoEvidence) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({});  // the listing comes back empty
  server->on("Observation/o1", 200, observationJson(o1));
  server->on("Observation/o2", 200, observationJson(o2));
  const sync::PassReport r = pass(true);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.requests, 4);  // incremental search, listing, and a read of each: both there
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.pending_deletions, 0);
  EXPECT_EQ(r.new_versions, 0);
}

TEST_F(PollerRescanTest, A404ForAnUnknownResourceTypeIsAFailureNotADeletion) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({o1});
  server->on("Observation/o2", 404,
             R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",)"
             R"("diagnostics":"HAPI-0302: Unknown resource type 'Observation' - Server knows how to handle: [Patient]"}]})");
  try {
    pass(true);
    ADD_FAILURE() << "no failure";
  } catch (const net::FhirError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.reason(), "unknown_resource_type");
  }
  EXPECT_TRUE(store->deletions().empty());
  EXPECT_EQ(store->pendingDeletionCount(), 0u);
}

TEST_F(PollerRescanTest, A404ThatIsNotFhirIsAFailureNotADeletion) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({o1});
  server->on("Observation/o2", 404, "<html><body>404 Not Found</body></html>");  // a proxy: wrong base URL
  EXPECT_THROW(pass(true), net::FhirError);
  EXPECT_EQ(store->pendingDeletionCount(), 0u);
}

TEST_F(PollerRescanTest, AServerErrorIsAFailureNotADeletion) {
  settings.deletion_confirm_seconds = std::chrono::seconds(0);
  loadThenList({o1});
  server->on("Observation/o2", 503, R"({"resourceType":"OperationOutcome","issue":[]})");
  try {
    pass(true);
    ADD_FAILURE() << "no failure";
  } catch (const net::FhirError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_TRUE(store->deletions().empty());
  EXPECT_EQ(store->pendingDeletionCount(), 0u);
}

TEST_F(PollerRescanTest, EnteredInErrorWithoutAUsableVersionFetchesTheHistory) {
  const Obs withdrawn{"o7", "2", "2026-03-01T08:00:00.000Z", "entered-in-error"};
  const Obs usable{"o7", "1", "2026-02-20T08:00:00.000Z"};
  server->on(biliSearch(), 200, searchset({withdrawn}));
  server->on(history("o7"), 200, historyBundle({withdrawn, usable}));
  const sync::PassReport r = pass(false);
  EXPECT_TRUE(server->unexpected.empty());
  EXPECT_EQ(r.requests, 2);      // the search, then the history
  EXPECT_EQ(r.new_versions, 2);  // v2 from the search, v1 (the usable values) from the history
  EXPECT_TRUE(store->hasUsableVersion("o7"));

  // Seen again (overlap), with v1 stored: no second history read.
  server->on(biliSearch(geParam("2026-03-01T07:59:00.000Z")), 200, searchset({withdrawn}));
  const sync::PassReport again = pass(false);
  EXPECT_EQ(again.requests, 1);
  EXPECT_EQ(again.new_versions, 0);
}

TEST(ReadEvidenceTest, ClassifiesTheAnswersOfServers) {
  using Kind = sync::ReadEvidence::Kind;
  auto kind = [](int status, const std::string& body) { return sync::classifyRead({status, {}, body}, "o1").kind; };
  EXPECT_EQ(kind(410, ""), Kind::Gone);
  EXPECT_EQ(kind(404, kNotFound), Kind::Gone);
  // Medplum-style and Firely-style wordings of an unknown type.
  EXPECT_EQ(
      kind(404,
           R"({"resourceType":"OperationOutcome","issue":[{"code":"invalid","details":{"text":"Unsupported resource type"}}]})"),
      Kind::Failure);
  EXPECT_EQ(kind(404, R"({"resourceType":"OperationOutcome","issue":[{"code":"not-supported"}]})"), Kind::Failure);
  EXPECT_EQ(kind(404, ""), Kind::Failure);
  EXPECT_EQ(kind(200, observationJson({"o1", "1", "2026-03-01T08:00:00.000Z"})), Kind::Present);
  EXPECT_EQ(kind(200, observationJson({"o9", "1", "2026-03-01T08:00:00.000Z"})), Kind::Failure);  // another id
  EXPECT_EQ(kind(204, ""), Kind::Failure);
}

}  // namespace
}  // namespace fa::test

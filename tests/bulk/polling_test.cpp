// Status polling: Retry-After in both forms, the backoff without it, X-Progress, the manifest.
#include "bulk_fixture.h"

namespace fa::test {
namespace {

using std::chrono::milliseconds;
using Polling = BulkFixture;

TEST_F(Polling, RetryAfterSecondsAndHttpDateAreHonoured) {
  cannedKickoff();
  http->on(kPoll, 202, "", {{"retry-after", "7"}});
  // The clock reads 12:00:00 + 7 s (the sleeper advanced it) at the second poll: 12:00:37 GMT
  // is 30 s later.
  http->on(kPoll, 202, "", {{"retry-after", "Sun, 01 Mar 2026 12:00:37 GMT"}});
  http->on(kPoll, 200, manifest("2026-03-01T11:59:00Z", false, {}));
  const bulk::BulkReport r = run();
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(7000), milliseconds(30000)}));
  EXPECT_EQ(r.status_polls, 3);
}

TEST_F(Polling, WithoutRetryAfterTheWaitDoublesUpToTheCap) {
  settings.poll_min = std::chrono::seconds(2);
  settings.poll_max = std::chrono::seconds(5);
  cannedKickoff();
  for (int i = 0; i < 3; ++i)
    http->on(kPoll, 202);
  http->on(kPoll, 200, manifest("2026-03-01T11:59:00Z", false, {}));
  run();
  // 2 s, then 4 s, then 8 s capped at 5 s.
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(2000), milliseconds(4000), milliseconds(5000)}));
}

TEST_F(Polling, ProgressIsLogged) {
  cannedKickoff();
  http->on(kPoll, 202, "", {{"retry-after", "1"}, {"x-progress", "searching 40%"}});
  http->on(kPoll, 200, manifest("2026-03-01T11:59:00Z", false, {}));
  run();
  const auto progress = logged("bulk_progress");
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0][0], (std::pair<std::string, std::string>{"progress", "searching 40%"}));
}

TEST_F(Polling, GivesUpAfterMaxWaitKeepingTheJob) {
  settings.max_wait = std::chrono::seconds(10);
  cannedKickoff();
  http->on(kPoll, 202, "", {{"retry-after", "6"}});
  // 6 s waited, the next 6 s would make 12 > 10.
  EXPECT_THROW(run(), bulk::BulkError);
  EXPECT_EQ(waits.size(), 1u);
  EXPECT_TRUE(store::BulkJobStore(*store).job());
}

TEST_F(Polling, FailedJobIsForgotten) {
  cannedKickoff();
  http->on(kPoll, 400, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]})");
  EXPECT_THROW(run(), net::FhirError);
  EXPECT_FALSE(store::BulkJobStore(*store).job());
}

TEST(Manifest, ParsesEveryList) {
  std::string problem;
  const auto m = bulk::parseManifest(
      R"({"transactionTime":"2026-03-01T11:00:00+01:00","request":"x","requiresAccessToken":true,
          "output":[{"type":"Observation","url":"http://s/1.ndjson","count":12},{"type":"Patient","url":"http://s/2.ndjson"}],
          "error":[{"type":"OperationOutcome","url":"http://s/e.ndjson"}],
          "deleted":[{"type":"Bundle","url":"http://s/d.ndjson"}]})",
      problem);
  ASSERT_TRUE(m) << problem;
  EXPECT_EQ(m->transaction_time, "2026-03-01T11:00:00+01:00");
  EXPECT_TRUE(m->requires_access_token);
  ASSERT_EQ(m->output.size(), 2u);
  EXPECT_EQ(m->output[0].count, 12);
  EXPECT_EQ(m->output[1].type, "Patient");
  EXPECT_FALSE(m->output[1].count);
  ASSERT_EQ(m->error.size(), 1u);
  ASSERT_EQ(m->deleted.size(), 1u);
  EXPECT_EQ(m->deleted[0].url, "http://s/d.ndjson");
}

TEST(Manifest, RejectsWhatIsNotOne) {
  std::string problem;
  EXPECT_FALSE(bulk::parseManifest("not json", problem));
  EXPECT_FALSE(bulk::parseManifest(R"({"output":[]})", problem));
  EXPECT_EQ(problem, "manifest transactionTime is missing or not an instant");
  EXPECT_FALSE(bulk::parseManifest(R"({"transactionTime":"yesterday","output":[]})", problem));
  EXPECT_FALSE(
      bulk::parseManifest(R"({"transactionTime":"2026-03-01T11:00:00Z","requiresAccessToken":"yes","output":[]})", problem));
  EXPECT_FALSE(bulk::parseManifest(R"({"transactionTime":"2026-03-01T11:00:00Z","output":[{"type":"Observation"}]})", problem));
  EXPECT_EQ(problem, "manifest output entry without url");
  // requiresAccessToken absent: no token is sent.
  const auto m = bulk::parseManifest(R"({"transactionTime":"2026-03-01T11:00:00Z","output":[]})", problem);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->requires_access_token);
}

}  // namespace
}  // namespace fa::test

// An interrupted export resumes from the persisted polling URL and finished files: no new
// kick-off, no file downloaded twice, the same store in the end.
#include "bulk_fixture.h"
#include "store/bulk_job_store.h"

namespace fa::test {
namespace {

const std::string kFile1 = "http://fhir.test/fhir/$export-file/7/1.ndjson";
const std::string kFile2 = "http://fhir.test/fhir/$export-file/7/2.ndjson";

using Resume = BulkFixture;

TEST_F(Resume, StoppedWhilePollingResumesWithoutANewKickoff) {
  cannedKickoff();
  http->on(kPoll, 202, "", {{"retry-after", "5"}});
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  http->on(kFile1, 200, bili("o1") + "\n");
  const bulk::BulkReport first = run(1);  // stopped during the first wait
  EXPECT_TRUE(first.interrupted);
  EXPECT_FALSE(first.completed);
  const bulk::BulkReport second = run();
  EXPECT_TRUE(second.resumed);
  EXPECT_TRUE(second.completed);
  EXPECT_EQ(second.kickoffs, 0);
  EXPECT_EQ(http->to(kickoff()).size(), 1u);
  EXPECT_EQ(store->observationIds(), (std::vector<std::string>{"o1"}));
}

TEST_F(Resume, FinishedFilesAreNotDownloadedAgain) {
  cannedKickoff();
  http->on(kPoll, 200, manifest("2026-03-01T10:00:00Z", false, {kFile1, kFile2}));
  http->on(kFile1, 200, bili("o1") + "\n" + bili("o2") + "\n");
  http->on(kFile2, 200, bili("o3") + "\n");
  // Stop once the first file is in: the check before the second file sees it.
  settings.batch_lines = 1;
  auto stopAfterFirstFile = [this] { return store::BulkJobStore(*store).finishedFileCount() >= 1; };
  {
    bulk::BulkParts parts{*client, http, auth, *store, [](std::chrono::milliseconds) { return true; }, [this] { return clock; }};
    parts.stop_requested = stopAfterFirstFile;
    const bulk::BulkReport first = bulk::BulkExport(parts, settings).run(config, "", {"BILI"});
    EXPECT_TRUE(first.interrupted);
    EXPECT_EQ(first.files, 1);
  }
  const auto job = store::BulkJobStore(*store).job();
  ASSERT_TRUE(job);
  EXPECT_TRUE(job->manifest);  // no status poll needed on resume
  const bulk::BulkReport second = run();
  EXPECT_TRUE(second.completed);
  EXPECT_EQ(second.status_polls, 0);
  EXPECT_EQ(second.files, 1);
  EXPECT_EQ(second.files_skipped, 1);
  EXPECT_EQ(http->to(kFile1).size(), 1u);
  EXPECT_EQ(http->to(kFile2).size(), 1u);
  EXPECT_EQ(store->observationIds(), (std::vector<std::string>{"o1", "o2", "o3"}));
  EXPECT_EQ(store->watermark("BILI"), "2026-03-01T10:00:00.000Z");
}

TEST_F(Resume, AFileCutShortIsStoredAgainWithoutDuplicates) {
  // A crash after the first batch of a file: its versions are stored, the file is not marked.
  settings.batch_lines = 1;
  {
    const std::string body = bili("o1") + "\n";
    bulk::ingestFile(*store, config, kFile1, bulk::FileKind::Output, body, 1, "2026-03-01T12:00:00.000Z");
    store::BulkJobStore(*store).clearJob();  // forget the mark: as if the last commit never came
    store::BulkJobStore(*store).startJob(kickoff(), kPoll, "2026-03-01T12:00:00.000Z");
    store::BulkJobStore(*store).saveManifest(manifest("2026-03-01T10:00:00Z", false, {kFile1}));
  }
  http->on(kPoll, 202);  // the DELETE
  http->on(kFile1, 200, bili("o1") + "\n" + bili("o2") + "\n");
  const bulk::BulkReport r = run();
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.counts.new_versions, 1);    // o2
  EXPECT_EQ(r.counts.known_versions, 1);  // o1, stored before the crash
  EXPECT_EQ(store->versionCount(), 2u);
}

}  // namespace
}  // namespace fa::test

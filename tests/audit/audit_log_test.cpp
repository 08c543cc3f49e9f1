// The writer: chain, checkpoints, head and anchor, rotation with the chain running across
// segments, crash recovery (a partial last line; a writer killed mid-stream), two writers on
// one folder, and the key rules.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "audit/audit_files.h"
#include "audit/audit_query.h"
#include "audit_fixtures.h"

namespace fa::audit_test {
namespace {

std::vector<audit::AuditEntry> allEntries(const fs::path& dir) {
  std::vector<audit::AuditEntry> out;
  std::vector<std::string> problems;
  audit::readEntries(
      dir, [&](const audit::AuditEntry& e) { out.push_back(e); }, &problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  return out;
}

TEST(AuditLog, AppendsAChainedLogStartingAndEndingWithACheckpoint) {
  TempDir tmp;
  buildLog(tmp.path(), 12);
  auto entries = allEntries(tmp.path());
  // created checkpoint, 12 events with a checkpoint after every 5 entries, final checkpoint.
  ASSERT_GE(entries.size(), 14u);
  EXPECT_TRUE(entries.front().isCheckpoint());
  EXPECT_EQ(entries.front().detail("reason"), "created");
  EXPECT_TRUE(entries.back().isCheckpoint());
  EXPECT_EQ(entries.back().detail("reason"), "shutdown");
  EXPECT_EQ(entries.front().prev, audit::kGenesisHash);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, i + 1);
    EXPECT_EQ(entries[i].prev, entries[i - 1].hash);
    EXPECT_EQ(entries[i].mac, audit::entryMac(kKey, entries[i].hash));
  }
  auto r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_EQ(r.entries, entries.size());
  EXPECT_EQ(r.segments, 1u);
  ASSERT_TRUE(r.last_checkpoint);
  EXPECT_EQ(r.last_checkpoint->seq, entries.back().seq);
  EXPECT_NE(r.summary().find("HMAC-SHA256"), std::string::npos) << r.summary();
  EXPECT_NE(r.summary().find(std::to_string(entries.size()) + " entries in 1 segment"), std::string::npos) << r.summary();
  // The values survive exactly (quotes, backslashes, tabs).
  EXPECT_EQ(entries[1].detail("after.value"), "\"quoted\" \\ value\t0");
}

TEST(AuditLog, HeadFileAndAnchorHoldTheLatestCheckpoint) {
  TempDir tmp;
  auto s = settings(tmp / "audit");
  s.anchor_path = tmp / "anchor.jsonl";
  std::vector<audit::CheckpointHead> seen;
  s.on_checkpoint = [&](const audit::CheckpointHead& h) { seen.push_back(h); };
  {
    auto log = audit::AuditLog::open(s);
    for (int i = 0; i < 7; ++i)
      log->append(recordEvent(i));
    log->close();
  }
  auto entries = allEntries(tmp / "audit");
  auto head = audit::CheckpointHead::parse(readFile(tmp / "audit" / audit::kHeadFileName));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, entries.back().seq);
  EXPECT_EQ(head->hash, entries.back().hash);
  EXPECT_EQ(head->mac, head->expectedMac(kKey));
  auto anchor = splitLines(readFile(tmp / "anchor.jsonl"));
  ASSERT_EQ(anchor.size(), seen.size());
  EXPECT_EQ(anchor.back(), head->line());
  EXPECT_GE(seen.size(), 3u);

  audit::VerifyOptions o{tmp / "audit", kKey, tmp / "anchor.jsonl"};
  EXPECT_TRUE(audit::verifyLog(o).intact);
  // Roll audit.head back together with the log: only the anchor notices.
  auto lines = splitLines(readFile(tmp / "audit" / audit::segmentName(1)));
  std::size_t keep = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (audit::parseEntry(lines[i])->isCheckpoint()) keep = i + 1;
  auto older = audit::parseEntry(lines[keep - 1]);
  audit::CheckpointHead rolled = *head;
  rolled.seq = older->seq;
  rolled.hash = older->hash;
  rolled.mac = rolled.expectedMac(kKey);  // (a copy of an older audit.head)
  writeFile(tmp / "audit" / audit::segmentName(1), joinLines(std::vector<std::string>(lines.begin(), lines.begin() + keep)));
  writeFile(tmp / "audit" / audit::kHeadFileName, rolled.line() + "\n");
  EXPECT_TRUE(verify(tmp / "audit").intact);
  auto r = audit::verifyLog(o);
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("anchor.jsonl"), std::string::npos) << r.firstBad();
}

TEST(AuditLog, RotatesBySizeAndTheChainRunsAcrossSegments) {
  TempDir tmp;
  auto s = settings(tmp.path());
  s.max_segment_bytes = 4096;
  s.checkpoint_every_entries = 50;
  {
    auto log = audit::AuditLog::open(s);
    for (int i = 0; i < 200; ++i)
      log->append(recordEvent(i));
    log->close();
  }
  auto segments = audit::listSegments(tmp.path());
  ASSERT_GT(segments.size(), 5u);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    EXPECT_EQ(segments[i].number, i + 1);
    EXPECT_LE(fs::file_size(segments[i].path), 4096u);
  }
  auto r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_EQ(r.segments, segments.size());
  // The first entry of segment 2 chains to the last of segment 1.
  auto first = splitLines(readFile(segments[0].path));
  auto second = splitLines(readFile(segments[1].path));
  EXPECT_EQ(audit::parseEntry(second.front())->prev, audit::parseEntry(first.back())->hash);

  // Reopening continues the chain in the last segment.
  {
    auto log = audit::AuditLog::open(s);
    log->append(recordEvent(999));
    log->close();
  }
  EXPECT_TRUE(verify(tmp.path()).intact);
  segments = audit::listSegments(tmp.path());

  // Segment-level tampering.
  const std::string middle = readFile(segments[2].path);
  fs::remove(segments[2].path);
  r = verify(tmp.path());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.bad_file, audit::segmentName(3)) << r.firstBad();
  writeFile(segments[2].path, middle);

  const std::string a = readFile(segments[1].path), b = readFile(segments[2].path);
  writeFile(segments[1].path, b);
  writeFile(segments[2].path, a);
  r = verify(tmp.path());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.bad_file, audit::segmentName(2)) << r.firstBad();
  EXPECT_EQ(r.bad_line, 1u);
  writeFile(segments[1].path, a);
  writeFile(segments[2].path, b);

  const std::string last = readFile(segments.back().path);
  fs::remove(segments.back().path);
  EXPECT_FALSE(verify(tmp.path()).intact);
  writeFile(segments.back().path, last);

  const std::string firstSeg = readFile(segments.front().path);
  fs::remove(segments.front().path);
  EXPECT_FALSE(verify(tmp.path()).intact);
  writeFile(segments.front().path, firstSeg);
  EXPECT_TRUE(verify(tmp.path()).intact);
}

TEST(AuditLog, APartialLastLineIsReportedAndRepairedWithoutTouchingCommittedEntries) {
  TempDir tmp;
  buildLog(tmp.path(), 9);
  const fs::path segment = tmp / audit::segmentName(1);
  const std::string committed = readFile(segment);
  const auto committedEntries = splitLines(committed).size();
  // The writer died in the middle of a line: half of a would-be next entry, no newline.
  audit::AuditEntry next = *audit::parseEntry(splitLines(committed).back());
  next.seq += 1;
  next.action = "record_updated";
  audit::seal(next, kKey);
  const std::string half = audit::canonicalLine(next).substr(0, 97);
  writeFile(segment, committed + half);

  auto r = verify(tmp.path());
  EXPECT_FALSE(r.intact);
  EXPECT_TRUE(r.partial_tail);
  EXPECT_EQ(r.bad_file, audit::segmentName(1));
  EXPECT_EQ(r.bad_line, committedEntries + 1);
  EXPECT_EQ(r.entries, committedEntries);  // every committed entry checked and intact
  EXPECT_NE(r.problem.find("audit repair"), std::string::npos);
  auto partial = audit::findPartialTail(tmp.path());
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->dropped_bytes, 97u);
  EXPECT_EQ(partial->line, committedEntries + 1);

  // Opening the log (the daemon restarting, or `audit repair`) truncates it and says so.
  {
    auto log = audit::AuditLog::open(settings(tmp.path()));
    ASSERT_TRUE(log->recovered());
    EXPECT_EQ(log->recovered()->dropped_bytes, 97u);
    log->close();
  }
  const std::string after = readFile(segment);
  EXPECT_EQ(after.substr(0, committed.size()), committed);
  auto entries = allEntries(tmp.path());
  ASSERT_EQ(entries.size(), committedEntries + 2);  // + audit_recovered + final checkpoint
  EXPECT_EQ(entries[committedEntries].action, "audit_recovered");
  EXPECT_EQ(entries[committedEntries].detail("dropped_bytes"), "97");
  EXPECT_EQ(entries[committedEntries].detail("dropped_sha256"), audit::sha256Hex(half));
  r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_FALSE(audit::findPartialTail(tmp.path()));
}

TEST(AuditLog, AWriterKilledMidStreamLeavesEveryCommittedEntryIntact) {
  TempDir tmp;
  buildLog(tmp.path(), 3);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = settings(tmp.path());
    s.checkpoint_every_entries = 100;
    auto log = audit::AuditLog::open(s);
    for (int i = 0;; ++i) {
      log->append(recordEvent(i));
      if (i % 10 == 0) log->commit();
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  auto r = verify(tmp.path());
  if (!r.intact) {
    // Only acceptable problem: a partial last line.
    ASSERT_TRUE(r.partial_tail) << r.firstBad();
    auto log = audit::AuditLog::open(settings(tmp.path()));
    log->close();
    r = verify(tmp.path());
  }
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_GT(r.entries, 100u);
  // Reopened after the kill, the chain continues.
  {
    auto log = audit::AuditLog::open(settings(tmp.path()));
    log->append(recordEvent(1));
    log->close();
  }
  r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_EQ(r.after_last_checkpoint, 0u);
}

TEST(AuditLog, EntriesAfterTheLastCheckpointAreCountedAsUnproven) {
  TempDir tmp;
  auto s = settings(tmp.path());
  s.checkpoint_every_entries = 0;
  auto log = audit::AuditLog::open(s);
  for (int i = 0; i < 4; ++i)
    log->append(recordEvent(i));
  log->commit();
  auto r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_EQ(r.after_last_checkpoint, 4u);
  EXPECT_NE(r.summary().find("4 entries after the last checkpoint cannot be proven"), std::string::npos) << r.summary();
  log->close();
  EXPECT_EQ(verify(tmp.path()).after_last_checkpoint, 0u);
}

TEST(AuditLog, ThreadsAndTwoWritersShareOneChain) {
  TempDir tmp;
  auto a = audit::AuditLog::open(settings(tmp.path()));
  auto b = audit::AuditLog::open(settings(tmp.path()));  // as another process (the review CLI) would
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        (t % 2 ? a : b)->append(recordEvent(t * 100 + i));
    });
  }
  for (auto& th : threads)
    th.join();
  a->close();
  b->close();
  auto r = verify(tmp.path());
  EXPECT_TRUE(r.intact) << r.firstBad();
  std::size_t events = 0;
  for (const auto& e : allEntries(tmp.path()))
    events += e.action == "record_updated";
  EXPECT_EQ(events, 200u);
}

TEST(AuditLog, AKeyedLogIsNotContinuedWithoutItsKeyNorAKeylessOneWithAKey) {
  TempDir keyed, keyless;
  buildLog(keyed.path(), 2);
  buildLog(keyless.path(), 2, "");
  EXPECT_THROW(audit::AuditLog::open(settings(keyed.path(), "")), audit::AuditError);
  EXPECT_THROW(audit::AuditLog::open(settings(keyed.path(), "a-different-key-a-different-key!!")), audit::AuditError);
  EXPECT_THROW(audit::AuditLog::open(settings(keyless.path(), kKey)), audit::AuditError);
  EXPECT_NO_THROW(audit::AuditLog::open(settings(keyless.path(), "")));
}

TEST(AuditLog, KeyFilesNeedThirtyTwoBytes) {
  TempDir tmp;
  writeFile(tmp / "short", "too short\n");
  writeFile(tmp / "good", std::string(64, 'a') + "\n");
  EXPECT_THROW(audit::loadKeyFile((tmp / "short").string()), audit::AuditError);
  EXPECT_EQ(audit::loadKeyFile((tmp / "good").string()), std::string(64, 'a'));
}

TEST(AuditLog, InvalidUtf8IsStoredAsQuestionMarksSoEveryEntryRoundTrips) {
  TempDir tmp;
  {
    auto log = audit::AuditLog::open(settings(tmp.path()));
    auto e = recordEvent(1);
    e.details["reason"] = std::string("bad \xff\xfe byte, ok \xc3\xa9 and \x01 control");
    log->append(e);
    log->close();
  }
  EXPECT_TRUE(verify(tmp.path()).intact);
  auto entries = allEntries(tmp.path());
  EXPECT_EQ(entries[1].detail("reason"), "bad ?? byte, ok \xc3\xa9 and \x01 control");
}

}  // namespace
}  // namespace fa::audit_test

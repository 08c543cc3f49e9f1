// The tampering matrix: every byte of every entry flipped, every entry deleted, duplicated,
// swapped with the next, the log truncated at every byte, an entry inserted (and one removed or
// moved) with every later hash recomputed but without the key. verify must catch 100%, naming
// the first bad entry.
#include <gtest/gtest.h>

#include "audit/audit_files.h"
#include "audit_fixtures.h"

namespace fa::audit_test {
namespace {

constexpr int kEvents = 12;  // + checkpoints every 5 entries, at creation and at close

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    buildLog(tmp.path(), kEvents);
    segment = tmp / audit::segmentName(1);
    original = readFile(segment);
    lines = splitLines(original);
    ASSERT_GT(lines.size(), static_cast<std::size_t>(kEvents));
    auto r = verify(tmp.path());
    ASSERT_TRUE(r.intact) << r.firstBad();
    ASSERT_TRUE(r.macs_checked);
    ASSERT_EQ(r.after_last_checkpoint, 0u);
  }
  // Writes `content` as the segment, verifies, restores; returns the report.
  audit::VerifyReport tampered(const std::string& content, const std::string& key = kKey) {
    writeFile(segment, content);
    auto r = verify(tmp.path(), key);
    writeFile(segment, original);
    return r;
  }

  TempDir tmp;
  fs::path segment;
  std::string original;
  std::vector<std::string> lines;
};

TEST_F(Tamper, EveryByteFlipOfEveryEntryIsCaughtAtThatEntry) {
  std::size_t cases = 0, caught = 0, named = 0;
  std::size_t offset = 0;
  for (std::size_t li = 0; li < lines.size(); ++li) {
    for (std::size_t bi = 0; bi < lines[li].size(); ++bi) {
      for (int mask : {0x01, 0x20, 0x80}) {
        std::string content = original;
        content[offset + bi] =
            static_cast<char>(static_cast<unsigned char>(content[offset + bi]) ^ static_cast<unsigned char>(mask));
        auto r = tampered(content);
        ++cases;
        if (!r.intact) ++caught;
        if (!r.intact && r.bad_file == audit::segmentName(1) && r.bad_line == li + 1)
          ++named;
        else
          ADD_FAILURE() << "line " << li + 1 << " byte " << bi << " mask " << mask << ": "
                        << (r.intact ? "not caught" : r.firstBad());
      }
    }
    offset += lines[li].size() + 1;
  }
  EXPECT_EQ(caught, cases);
  EXPECT_EQ(named, cases);
  EXPECT_GT(cases, 10000u);
}

TEST_F(Tamper, EveryFieldIsCoveredByTheHash) {
  // Field by field, a changed value with the entry otherwise canonical: caught as an edit.
  for (std::size_t li = 0; li < lines.size(); ++li) {
    auto e = audit::parseEntry(lines[li]);
    ASSERT_TRUE(e);
    std::vector<std::function<void(audit::AuditEntry&)>> edits = {
        [](audit::AuditEntry& x) { x.time[5] = x.time[5] == '0' ? '1' : '0'; },
        [](audit::AuditEntry& x) { x.actor += "x"; },
        [](audit::AuditEntry& x) { x.action = "record_removed"; },
        [](audit::AuditEntry& x) { x.record_key += "1"; },
        [](audit::AuditEntry& x) { x.source_ref = "Observation/other/_history/1"; },
        [](audit::AuditEntry& x) { x.source_server = "https://evil.example/fhir"; },
        [](audit::AuditEntry& x) { x.rule_version = "0"; },
        [](audit::AuditEntry& x) { x.outcome = "major_failure"; },
        [](audit::AuditEntry& x) { x.details["after.flag"] = "normal"; },
        [](audit::AuditEntry& x) { x.details.erase(x.details.begin()); },
        [](audit::AuditEntry& x) { x.details["reason"] = "added"; },
    };
    for (std::size_t k = 0; k < edits.size(); ++k) {
      audit::AuditEntry copy = *e;
      edits[k](copy);
      std::vector<std::string> changed = lines;
      changed[li] = audit::canonicalLine(copy);
      if (changed[li] == lines[li]) continue;
      auto r = tampered(joinLines(changed));
      EXPECT_FALSE(r.intact) << "line " << li + 1 << " edit " << k;
      EXPECT_EQ(r.bad_line, li + 1) << r.firstBad();
      EXPECT_NE(r.problem.find("hash does not match"), std::string::npos) << r.firstBad();
    }
  }
}

TEST_F(Tamper, DeletingAnyEntryIsCaught) {
  for (std::size_t li = 0; li < lines.size(); ++li) {
    auto changed = lines;
    changed.erase(changed.begin() + static_cast<std::ptrdiff_t>(li));
    auto r = tampered(joinLines(changed));
    EXPECT_FALSE(r.intact) << "deleted line " << li + 1;
    // The entry that now stands where the deleted one was is the first bad one (the end of the
    // log when the last one was deleted).
    EXPECT_EQ(r.bad_line, li + 1) << r.firstBad();
  }
}

TEST_F(Tamper, DuplicatingAnyEntryIsCaught) {
  for (std::size_t li = 0; li < lines.size(); ++li) {
    auto changed = lines;
    changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(li) + 1, lines[li]);
    auto r = tampered(joinLines(changed));
    EXPECT_FALSE(r.intact) << "duplicated line " << li + 1;
    EXPECT_EQ(r.bad_line, li + 2) << r.firstBad();
  }
}

TEST_F(Tamper, SwappingAnyTwoNeighboursIsCaught) {
  for (std::size_t li = 0; li + 1 < lines.size(); ++li) {
    auto changed = lines;
    std::swap(changed[li], changed[li + 1]);
    auto r = tampered(joinLines(changed));
    EXPECT_FALSE(r.intact) << "swapped lines " << li + 1 << " and " << li + 2;
    EXPECT_EQ(r.bad_line, li + 1) << r.firstBad();
  }
}

TEST_F(Tamper, TruncatingAtAnyByteIsCaught) {
  std::size_t caught = 0;
  for (std::size_t cut = 0; cut < original.size(); ++cut) {
    auto r = tampered(original.substr(0, cut));
    if (!r.intact)
      ++caught;
    else
      ADD_FAILURE() << "truncated at byte " << cut << " not caught";
  }
  EXPECT_EQ(caught, original.size());
  // Cut on a line boundary: named as removed entries; cut inside a line: a partial last line.
  auto r = tampered(joinLines(std::vector<std::string>(lines.begin(), lines.end() - 3)));
  EXPECT_NE(r.problem.find("were removed"), std::string::npos) << r.firstBad();
  EXPECT_EQ(r.bad_line, lines.size() - 2);
  r = tampered(original.substr(0, original.size() - 10));
  EXPECT_TRUE(r.partial_tail) << r.firstBad();
}

TEST_F(Tamper, InsertingWithRecomputedHashesButNoKeyIsCaughtAtTheInsertedEntry) {
  for (std::size_t at = 0; at <= lines.size(); ++at) {
    for (bool copyMac : {false, true}) {
      auto changed = lines;
      audit::AuditEntry forged = *audit::parseEntry(lines[at == lines.size() ? at - 1 : at]);
      forged.action = "record_removed";
      forged.record_key = "forged";
      forged.mac = copyMac ? forged.mac : std::string();
      changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(at), audit::canonicalLine(forged));
      rechainWithoutKey(changed, at);
      auto r = tampered(joinLines(changed));
      EXPECT_FALSE(r.intact) << "inserted at " << at + 1;
      EXPECT_EQ(r.bad_line, at + 1) << r.firstBad();
      EXPECT_NE(r.problem.find("MAC"), std::string::npos) << r.firstBad();
    }
  }
}

TEST_F(Tamper, RemovingOrMovingWithRecomputedHashesButNoKeyIsCaught) {
  for (std::size_t li = 0; li < lines.size(); ++li) {
    auto removed = lines;
    removed.erase(removed.begin() + static_cast<std::ptrdiff_t>(li));
    rechainWithoutKey(removed, li);
    auto r = tampered(joinLines(removed));
    EXPECT_FALSE(r.intact) << "removed and re-chained line " << li + 1;
    if (li + 1 < lines.size()) {
      EXPECT_EQ(r.bad_line, li + 1) << r.firstBad();
    }
    if (li + 1 < lines.size()) {
      auto moved = lines;
      std::swap(moved[li], moved[li + 1]);
      rechainWithoutKey(moved, li);
      r = tampered(joinLines(moved));
      EXPECT_FALSE(r.intact) << "moved and re-chained line " << li + 1;
      EXPECT_EQ(r.bad_line, li + 1) << r.firstBad();
    }
  }
}

TEST_F(Tamper, EveryByteOfTheHeadFileIsCovered) {
  const fs::path head = tmp / audit::kHeadFileName;
  const std::string text = readFile(head);
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    std::string changed = text;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    writeFile(head, changed);
    auto r = verify(tmp.path());
    EXPECT_FALSE(r.intact) << "head byte " << i;
  }
  fs::remove(head);
  auto r = verify(tmp.path());
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.bad_file, audit::kHeadFileName);
}

TEST_F(Tamper, AWrongKeyFailsAtTheFirstEntry) {
  auto r = verify(tmp.path(), "another-key-another-key-another-key!");
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.bad_line, 1u);
}

TEST_F(Tamper, WithoutTheKeyTheChainIsStillCheckedAndTheReportSaysSo) {
  auto r = verify(tmp.path(), "");
  EXPECT_TRUE(r.intact) << r.firstBad();
  EXPECT_FALSE(r.macs_checked);
  EXPECT_NE(r.summary().find("hash-only"), std::string::npos);
  auto changed = lines;
  std::swap(changed[3], changed[4]);
  EXPECT_FALSE(tampered(joinLines(changed), "").intact);
}

// A log written without a key: every edit that does not recompute the chain is still caught.
TEST(TamperHashOnly, EditsDeletionsAndTruncationAreCaught) {
  TempDir tmp;
  buildLog(tmp.path(), 8, "");
  const fs::path segment = tmp / audit::segmentName(1);
  const std::string original = readFile(segment);
  auto lines = splitLines(original);
  ASSERT_TRUE(verify(tmp.path(), "").intact);
  EXPECT_EQ(audit::parseEntry(lines[0])->mac, "");
  for (std::size_t i = 0; i < original.size(); ++i) {
    if (original[i] == '\n') continue;
    std::string changed = original;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    writeFile(segment, changed);
    EXPECT_FALSE(verify(tmp.path(), "").intact) << "byte " << i;
  }
  for (std::size_t li = 0; li < lines.size(); ++li) {
    auto changed = lines;
    changed.erase(changed.begin() + static_cast<std::ptrdiff_t>(li));
    writeFile(segment, joinLines(changed));
    EXPECT_FALSE(verify(tmp.path(), "").intact) << "deleted " << li;
  }
  writeFile(segment, original);
  EXPECT_TRUE(verify(tmp.path(), "").intact);
}

}  // namespace
}  // namespace fa::audit_test

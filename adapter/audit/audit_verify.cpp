#include "audit/audit_verify.h"

#include "audit/audit_entry.h"
#include "audit/audit_files.h"

namespace fa::audit {
namespace {

std::optional<std::string> firstLine(const std::filesystem::path& file) {
  std::optional<std::string> out;
  forEachLine(file, [&](std::string_view line, std::size_t, bool) {
    out = std::string(line);
    return false;
  });
  return out;
}

std::optional<std::string> lastNonEmptyLine(const std::filesystem::path& file) {
  std::optional<std::string> out;
  forEachLine(file, [&](std::string_view line, std::size_t, bool) {
    if (!line.empty()) out = std::string(line);
    return true;
  });
  return out;
}

// A head (from audit.head or the anchor) that must match an entry of the log.
struct ExpectedHead {
  std::string source;  // "audit.head" or the anchor path
  CheckpointHead head;
  bool matched = false;
};

// Records the first problem only: everything after it is a consequence.
void fail(VerifyReport& r, const std::string& file, std::size_t line, const std::string& problem) {
  if (!r.intact) return;
  r.intact = false;
  r.bad_file = file;
  r.bad_line = line;
  r.problem = problem;
}

// Reads audit.head into `heads`; returns whether the file exists.
bool readHeadFile(const VerifyOptions& options, VerifyReport& r, std::vector<ExpectedHead>& heads) {
  const std::filesystem::path headPath = options.dir / kHeadFileName;
  std::error_code ec;
  if (!std::filesystem::exists(headPath, ec)) return false;
  auto text = firstLine(headPath);
  auto head = text ? CheckpointHead::parse(*text) : std::nullopt;
  if (!head) {
    fail(r, kHeadFileName, 1, "not a valid checkpoint head");
    return true;
  }
  if (!options.key.empty() && head->mac != head->expectedMac(options.key))
    fail(r, kHeadFileName, 1,
         head->mac.empty() ? "checkpoint head has no MAC" : "checkpoint head MAC does not match (edited or wrong key)");
  heads.push_back({kHeadFileName, *head, false});
  return true;
}

// Reads the last head of the anchor file (when given) into `heads`; a missing or empty anchor is a note.
void readAnchor(const VerifyOptions& options, VerifyReport& r, std::vector<ExpectedHead>& heads) {
  if (!options.anchor) return;
  std::error_code ec;
  if (!std::filesystem::exists(*options.anchor, ec)) {
    r.notes.push_back("anchor " + options.anchor->string() + " does not exist yet");
    return;
  }
  auto text = lastNonEmptyLine(*options.anchor);
  auto head = text ? CheckpointHead::parse(*text) : std::nullopt;
  if (!head) {
    r.notes.push_back("anchor " + options.anchor->string() + " holds no checkpoint head");
    return;
  }
  heads.push_back({options.anchor->string(), *head, false});
}

// Walks the entries of every segment in order, checking each against the one before it.
class ChainWalker {
 public:
  ChainWalker(const VerifyOptions& options, VerifyReport& r, std::vector<ExpectedHead>& heads)
      : options_(options), r_(r), heads_(heads) {}

  void walk(const std::vector<SegmentFile>& segments) {
    std::uint64_t expectedNumber = segments.empty() ? 1 : segments.front().number;
    if (!segments.empty() && segments.front().number != 1)
      fail(r_, segmentName(1), 0, "missing (the log starts at " + segments.front().path.filename().string() + ")");
    for (std::size_t si = 0; si < segments.size() && r_.intact; ++si) {
      const SegmentFile& seg = segments[si];
      if (seg.number != expectedNumber) {
        fail(r_, segmentName(expectedNumber), 0,
             "missing (segments " + std::to_string(expectedNumber - 1) + " and " + std::to_string(seg.number) + " exist)");
        break;
      }
      ++expectedNumber;
      const bool lastSegment = si + 1 == segments.size();
      const std::string name = seg.path.filename().string();
      forEachLine(seg.path, [&](std::string_view line, std::size_t number, bool terminated) {
        return checkLine(name, line, number, terminated, lastSegment);
      });
    }
  }

  // Where the last intact entry is: a truncation is reported just after it.
  const std::string& lastFile() const { return lastFile_; }
  std::size_t lastLine() const { return lastLine_; }

 private:
  // Returns whether to go on with the next line.
  bool checkLine(const std::string& name, std::string_view line, std::size_t number, bool terminated, bool lastSegment) {
    if (!terminated) {
      if (lastSegment) {
        fail(r_, name, number,
             "partial last line (" + std::to_string(line.size()) +
                 " bytes, an interrupted write): every entry before it is intact; `fhir-adapter audit repair` drops it");
        r_.partial_tail = true;
      } else {
        fail(r_, name, number, "line not terminated inside the log (truncated segment)");
      }
      return false;
    }
    std::string why;
    auto e = parseEntry(line, &why);
    if (!e) {
      fail(r_, name, number, "not a valid audit entry: " + why);
      return false;
    }
    std::optional<std::string> problem = chainProblem(*e, line);
    if (!problem) problem = macProblem(*e);
    if (!problem) problem = countCheckpoint(*e, name, number);
    if (!problem) problem = matchHeads(*e);
    if (problem) {
      fail(r_, name, number, *problem);
      return false;
    }
    prevHash_ = e->hash;
    expectedSeq_ = e->seq + 1;
    ++r_.entries;
    lastFile_ = name;
    lastLine_ = number;
    return true;
  }

  // Sequence number, link to the entry before, and the entry's own hash.
  std::optional<std::string> chainProblem(const AuditEntry& e, std::string_view line) const {
    if (e.seq != expectedSeq_)
      return "entry " + std::to_string(e.seq) + " where entry " + std::to_string(expectedSeq_) +
             " was expected (entries removed, inserted, duplicated or reordered)";
    if (e.prev != prevHash_)
      return std::string(
          "prev does not match the hash of the entry before (chain broken: entries removed, inserted or reordered)");
    // The line is canonical (parseEntry checked), so the body is its bytes before ,"hash":
    // (quotes inside strings are escaped, so this is the only such sequence).
    const std::size_t bodyEnd = line.rfind(",\"hash\":\"");
    if (bodyEnd == std::string_view::npos || sha256Hex(line.substr(0, bodyEnd)) != e.hash)
      return std::string("hash does not match the entry's content (entry edited)");
    return std::nullopt;
  }

  std::optional<std::string> macProblem(const AuditEntry& e) {
    if (!e.mac.empty()) r_.macs_present = true;
    if (options_.key.empty()) return std::nullopt;
    if (e.mac.empty()) return std::string("no MAC (entry inserted or rewritten without the key)");
    if (e.mac != entryMac(options_.key, e.hash))
      return std::string("MAC does not match (entry inserted or rewritten without the key, or a different key)");
    return std::nullopt;
  }

  std::optional<std::string> countCheckpoint(const AuditEntry& e, const std::string& name, std::size_t number) {
    if (!e.isCheckpoint()) {
      ++r_.after_last_checkpoint;
      return std::nullopt;
    }
    if (e.detail("head_seq") != std::to_string(e.seq - 1)) return std::string("checkpoint names the wrong head");
    ++r_.checkpoints;
    r_.last_checkpoint = CheckpointInfo{e.seq, e.time, e.hash, name, number};
    r_.after_last_checkpoint = 0;
    return std::nullopt;
  }

  std::optional<std::string> matchHeads(const AuditEntry& e) {
    for (ExpectedHead& h : heads_) {
      if (h.head.seq != e.seq) continue;
      if (h.head.hash != e.hash || !e.isCheckpoint())
        return "does not match the checkpoint head recorded in " + h.source + " (entry replaced)";
      h.matched = true;
    }
    return std::nullopt;
  }

  const VerifyOptions& options_;
  VerifyReport& r_;
  std::vector<ExpectedHead>& heads_;
  std::uint64_t expectedSeq_ = 1;
  std::string prevHash_{kGenesisHash};
  std::string lastFile_;
  std::size_t lastLine_ = 0;
};

// Every expected head must have been met: one that was not means the end of the log was cut off.
void checkHeadsReached(const std::vector<ExpectedHead>& heads, const ChainWalker& walker, VerifyReport& r) {
  for (const ExpectedHead& h : heads) {
    if (h.matched) continue;
    const std::string where = walker.lastFile().empty() ? segmentName(1) : walker.lastFile();
    fail(r, where, walker.lastLine() + 1,
         "the log ends at entry " + std::to_string(r.entries) + " but " + h.source + " records checkpoint entry " +
             std::to_string(h.head.seq) + " (" + h.head.segment + "): entries " + std::to_string(r.entries + 1) + ".." +
             std::to_string(h.head.seq) + " were removed (truncated)");
    break;
  }
}

void addKeyNotes(const VerifyOptions& options, VerifyReport& r) {
  if (r.macs_present && options.key.empty())
    r.notes.push_back("entries carry HMACs but no key was given: only the hash chain was checked");
  if (!r.macs_present && r.entries > 0 && options.key.empty())
    r.notes.push_back(
        "hash-only log (no key): an edit that rewrites every later hash and audit.head is caught only by an anchored head");
}

}  // namespace

std::string VerifyReport::firstBad() const {
  if (intact) return std::string();
  std::string out = bad_file;
  if (bad_line) out += " line " + std::to_string(bad_line);
  return out + ": " + problem;
}

std::string VerifyReport::summary() const {
  std::string s = std::to_string(entries) + " entries in " + std::to_string(segments) + " segment" + (segments == 1 ? "" : "s");
  if (last_checkpoint) {
    s += ", last checkpoint entry " + std::to_string(last_checkpoint->seq) + " at " + last_checkpoint->time + " (" +
         last_checkpoint->file + " line " + std::to_string(last_checkpoint->line) + ", head " +
         last_checkpoint->hash.substr(0, 16) + ")";
  } else {
    s += ", no checkpoint yet";
  }
  s += macs_checked ? "; chain and HMAC-SHA256 of every entry verified" : "; hash chain verified (hash-only: no key checked)";
  if (after_last_checkpoint)
    s += "; " + std::to_string(after_last_checkpoint) + " entries after the last checkpoint cannot be proven complete";
  return s;
}

std::optional<RepairResult> findPartialTail(const std::filesystem::path& dir) {
  const auto segments = listSegments(dir);
  if (segments.empty()) return std::nullopt;
  std::optional<RepairResult> out;
  forEachLine(segments.back().path, [&](std::string_view line, std::size_t number, bool terminated) {
    if (!terminated) out = RepairResult{false, segments.back().path.filename().string(), number, line.size()};
    return true;
  });
  return out;
}

VerifyReport verifyLog(const VerifyOptions& options) {
  VerifyReport r;
  r.macs_checked = !options.key.empty();
  // The heads the log must contain.
  std::vector<ExpectedHead> heads;
  const bool headPresent = readHeadFile(options, r, heads);
  readAnchor(options, r, heads);

  const auto segments = listSegments(options.dir);
  r.segments = segments.size();
  ChainWalker walker(options, r, heads);
  walker.walk(segments);

  if (r.intact) checkHeadsReached(heads, walker, r);
  // A log starts with a checkpoint (audit_log.cpp), so entries without audit.head mean it was removed.
  if (r.intact && !headPresent && r.entries > 0)
    fail(r, kHeadFileName, 0, "missing, but the log holds entries: the end of the log cannot be confirmed (removed?)");
  if (r.partial_tail && r.problem.find("partial") == std::string::npos) r.partial_tail = false;

  addKeyNotes(options, r);
  if (segments.empty()) r.notes.push_back("no audit entries yet");
  return r;
}

}  // namespace fa::audit

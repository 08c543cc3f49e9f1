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
  auto fail = [&r](const std::string& file, std::size_t line, const std::string& problem) {
    if (!r.intact) return;
    r.intact = false;
    r.bad_file = file;
    r.bad_line = line;
    r.problem = problem;
  };

  // The heads the log must contain.
  std::vector<ExpectedHead> heads;
  const std::filesystem::path headPath = options.dir / kHeadFileName;
  std::error_code ec;
  bool headPresent = std::filesystem::exists(headPath, ec);
  if (headPresent) {
    auto text = firstLine(headPath);
    auto head = text ? CheckpointHead::parse(*text) : std::nullopt;
    if (!head) {
      fail(kHeadFileName, 1, "not a valid checkpoint head");
    } else {
      if (!options.key.empty() && head->mac != head->expectedMac(options.key))
        fail(kHeadFileName, 1,
             head->mac.empty() ? "checkpoint head has no MAC" : "checkpoint head MAC does not match (edited or wrong key)");
      heads.push_back({kHeadFileName, *head, false});
    }
  }
  if (options.anchor) {
    if (!std::filesystem::exists(*options.anchor, ec)) {
      r.notes.push_back("anchor " + options.anchor->string() + " does not exist yet");
    } else {
      auto text = lastNonEmptyLine(*options.anchor);
      auto head = text ? CheckpointHead::parse(*text) : std::nullopt;
      if (!head) {
        r.notes.push_back("anchor " + options.anchor->string() + " holds no checkpoint head");
      } else {
        heads.push_back({options.anchor->string(), *head, false});
      }
    }
  }

  const auto segments = listSegments(options.dir);
  r.segments = segments.size();
  std::uint64_t expectedSeq = 1;
  std::string prevHash(kGenesisHash);
  std::string lastFile;
  std::size_t lastLine = 0;
  std::uint64_t expectedNumber = segments.empty() ? 1 : segments.front().number;
  if (!segments.empty() && segments.front().number != 1)
    fail(segmentName(1), 0, "missing (the log starts at " + segments.front().path.filename().string() + ")");

  for (std::size_t si = 0; si < segments.size() && r.intact; ++si) {
    const SegmentFile& seg = segments[si];
    const std::string name = seg.path.filename().string();
    if (seg.number != expectedNumber) {
      fail(segmentName(expectedNumber), 0,
           "missing (segments " + std::to_string(expectedNumber - 1) + " and " + std::to_string(seg.number) + " exist)");
      break;
    }
    ++expectedNumber;
    const bool lastSegment = si + 1 == segments.size();
    forEachLine(seg.path, [&](std::string_view line, std::size_t number, bool terminated) {
      if (!terminated) {
        if (lastSegment) {
          fail(name, number,
               "partial last line (" + std::to_string(line.size()) +
                   " bytes, an interrupted write): every entry before it is intact; `fhir-adapter audit repair` drops it");
          r.partial_tail = true;
        } else {
          fail(name, number, "line not terminated inside the log (truncated segment)");
        }
        return false;
      }
      std::string why;
      auto e = parseEntry(line, &why);
      if (!e) {
        fail(name, number, "not a valid audit entry: " + why);
        return false;
      }
      if (e->seq != expectedSeq) {
        fail(name, number,
             "entry " + std::to_string(e->seq) + " where entry " + std::to_string(expectedSeq) +
                 " was expected (entries removed, inserted, duplicated or reordered)");
        return false;
      }
      if (e->prev != prevHash) {
        fail(name, number,
             "prev does not match the hash of the entry before (chain broken: entries removed, inserted or reordered)");
        return false;
      }
      // The line is canonical (parseEntry checked), so the body is its bytes before ,"hash":
      // (quotes inside strings are escaped, so this is the only such sequence).
      const std::size_t bodyEnd = line.rfind(",\"hash\":\"");
      if (bodyEnd == std::string_view::npos || sha256Hex(line.substr(0, bodyEnd)) != e->hash) {
        fail(name, number, "hash does not match the entry's content (entry edited)");
        return false;
      }
      if (!e->mac.empty()) r.macs_present = true;
      if (!options.key.empty()) {
        if (e->mac.empty()) {
          fail(name, number, "no MAC (entry inserted or rewritten without the key)");
          return false;
        }
        if (e->mac != entryMac(options.key, e->hash)) {
          fail(name, number, "MAC does not match (entry inserted or rewritten without the key, or a different key)");
          return false;
        }
      }
      if (e->isCheckpoint()) {
        if (e->detail("head_seq") != std::to_string(e->seq - 1)) {
          fail(name, number, "checkpoint names the wrong head");
          return false;
        }
        ++r.checkpoints;
        r.last_checkpoint = CheckpointInfo{e->seq, e->time, e->hash, name, number};
        r.after_last_checkpoint = 0;
      } else {
        ++r.after_last_checkpoint;
      }
      for (ExpectedHead& h : heads) {
        if (h.head.seq != e->seq) continue;
        if (h.head.hash != e->hash || !e->isCheckpoint()) {
          fail(name, number, "does not match the checkpoint head recorded in " + h.source + " (entry replaced)");
          return false;
        }
        h.matched = true;
      }
      prevHash = e->hash;
      expectedSeq = e->seq + 1;
      ++r.entries;
      lastFile = name;
      lastLine = number;
      return true;
    });
  }

  if (r.intact) {
    for (const ExpectedHead& h : heads) {
      if (h.matched) continue;
      const std::string where = lastFile.empty() ? segmentName(1) : lastFile;
      fail(where, lastLine + 1,
           "the log ends at entry " + std::to_string(r.entries) + " but " + h.source + " records checkpoint entry " +
               std::to_string(h.head.seq) + " (" + h.head.segment + "): entries " + std::to_string(r.entries + 1) + ".." +
               std::to_string(h.head.seq) + " were removed (truncated)");
      break;
    }
  }
  // A log starts with a checkpoint (audit_log.cpp), so entries without audit.head mean it was removed.
  if (r.intact && !headPresent && r.entries > 0)
    fail(kHeadFileName, 0, "missing, but the log holds entries: the end of the log cannot be confirmed (removed?)");
  if (r.partial_tail && r.problem.find("partial") == std::string::npos) r.partial_tail = false;

  if (r.macs_present && options.key.empty())
    r.notes.push_back("entries carry HMACs but no key was given: only the hash chain was checked");
  if (!r.macs_present && r.entries > 0 && options.key.empty())
    r.notes.push_back(
        "hash-only log (no key): an edit that rewrites every later hash and audit.head is caught only by an anchored head");
  if (segments.empty()) r.notes.push_back("no audit entries yet");
  return r;
}

}  // namespace fa::audit

#pragma once
// Verification and repair of an audit folder (see audit_log.h for what is written).
//
// verifyLog walks every segment in order and checks, entry by entry: canonical form, sequence
// number (no gap, duplicate or reordering), prev = hash of the entry before (across segments),
// hash = SHA-256 of the body, and with a key the HMAC of every entry. Then audit.head (and the
// anchor file, when given) must name a checkpoint entry present in the log with the same hash:
// that is how removing the last entries (up to and including the last checkpoint) is caught.
// Entries after the last checkpoint are chained (and with a key individually authenticated), but
// removing some of them from the end cannot be detected: the report counts them.
//
// Without a key a hash chain proves order and integrity only against someone who cannot
// rewrite the whole chain and audit.head; the anchored heads (kept off the machine) are then
// the proof. The summary says which mode was checked.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fa::audit {

struct VerifyOptions {
  std::filesystem::path dir;
  std::string key;  // empty: MACs are not checked
  std::optional<std::filesystem::path> anchor;
};

struct CheckpointInfo {
  std::uint64_t seq = 0;
  std::string time;
  std::string hash;
  std::string file;
  std::size_t line = 0;
};

struct VerifyReport {
  bool intact = true;
  // The first bad entry: file (name within the folder) and line, and what is wrong.
  std::string bad_file;
  std::size_t bad_line = 0;
  std::string problem;
  bool partial_tail = false;  // the only problem is an unterminated last line (`audit repair`)

  std::uint64_t entries = 0;
  std::size_t segments = 0;
  std::uint64_t checkpoints = 0;
  std::optional<CheckpointInfo> last_checkpoint;
  std::uint64_t after_last_checkpoint = 0;  // entries whose removal from the end is undetectable
  bool macs_present = false;
  bool macs_checked = false;
  std::vector<std::string> notes;

  std::string firstBad() const;  // "audit-000001.jsonl line 7: problem"
  std::string summary() const;   // the one line `audit verify` prints when intact
};

VerifyReport verifyLog(const VerifyOptions& options);

struct RepairResult {
  bool repaired = false;
  std::string segment;
  std::size_t line = 0;
  std::size_t dropped_bytes = 0;
};
// Finds an unterminated last line of the last segment (nothing is changed).
std::optional<RepairResult> findPartialTail(const std::filesystem::path& dir);

}  // namespace fa::audit

#pragma once
// AuditLog: the append-only, hash-chained, optionally keyed audit log of fhir-adapter.
//
// See adapter/audit/README.md. Files (audit_files.h): segments audit-NNNNNN.jsonl of canonical
// JSON lines (audit_entry.h), each entry carrying the SHA-256 of the one before (across
// segments), and with a key (`[audit] key_file`) an HMAC-SHA256 of its own hash. Checkpoints are
// entries in the chain (action audit_checkpoint): the first entry of a new log, then every
// `checkpoint_every_entries` entries, every `checkpoint_every` seconds (checked at append and
// commit) and at close; each checkpoint also
// replaces audit.head atomically (its seq and hash, HMAC'd with the key) and, when
// `anchor_path` is set, appends the same line there (a second disk, a syslog-watched file) and
// hands it to `on_checkpoint` (the daemon logs it to the journal) for anchoring off the machine.
//
// Durability (fsync policy):
//   - every append is one write(2) of a whole line to a file opened O_APPEND: a process crash
//     never leaves a torn line; power loss or a kill in the middle of the write can leave at
//     most a partial LAST line;
//   - FsyncPolicy::OnCommit (default): fdatasync when commit() is called (the daemon commits
//     after each recomputation batch, the CLI after each review), at every checkpoint, at
//     rotation and at close. An entry is committed once commit()/checkpoint()/close() returned.
//   - FsyncPolicy::EveryEntry: fdatasync inside every append (slow; for low-volume logs).
//   - FsyncPolicy::Never: leaves it to the kernel (tests and benchmarks only).
//   - checkpoints, audit.head and new segments are always fsynced, with their folder.
// A partial last line is never extended: open() (and a writer that sees another process left
// one) truncates it back to the last newline, then appends an audit_recovered entry naming the
// segment, line, byte count and SHA-256 of what was dropped. `fhir-adapter audit verify`
// reports such a line; `fhir-adapter audit repair` does the same truncation on demand.
//
// Concurrency: append/commit/checkpoint/close are thread-safe (a mutex) and process-safe (flock
// on audit.lock; a writer that finds the files grew under it re-reads the tail, so the daemon
// and `fhir-adapter review` share one chain).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "audit/audit_entry.h"
#include "audit/audit_files.h"

namespace fa::audit {

enum class FsyncPolicy { OnCommit, EveryEntry, Never };

struct AuditSettings {
  std::filesystem::path dir;
  std::optional<std::filesystem::path> key_file;  // none: hash-only chain and checkpoints
  std::string key;                                // the key itself (tests); key_file wins when both
  std::uint64_t max_segment_bytes = 64ull << 20;
  std::uint64_t checkpoint_every_entries = 1000;  // 0: no count rule
  std::chrono::seconds checkpoint_every{300};     // 0: no time rule
  std::optional<std::filesystem::path> anchor_path;
  FsyncPolicy fsync = FsyncPolicy::OnCommit;
  std::string actor = "fhir-adapter";                        // actor of the log's own entries
  std::function<void(const CheckpointHead&)> on_checkpoint;  // called with the log locked
};

// One event as the caller knows it; seq, time, prev, hash and mac are added by the log.
struct AuditEvent {
  std::string actor;                           // component (fhir-adapter/sync) or a named reviewer
  std::string action;                          // record_created, record_updated, review_overridden, ...
  std::string record_key;                      // observation id
  std::string source_ref;                      // Observation/{id}/_history/{v}
  std::string source_server;                   // FHIR base URL
  std::string rule_version;                    // mappings hash
  std::string outcome = "success";             // success | minor_failure | serious_failure | major_failure
  std::map<std::string, std::string> details;  // no PHI: pseudonymous subject ids, codes, values
};

struct Recovery {
  std::string segment;
  std::size_t line = 0;
  std::size_t dropped_bytes = 0;
  std::string dropped_sha256;
};

class AuditLog {
 public:
  // Creates the folder when absent, recovers a partial last line, checks the key matches the
  // log (a keyed log is never continued without its key, nor a keyless one with a key).
  static std::unique_ptr<AuditLog> open(AuditSettings settings);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one entry; returns its sequence number. May rotate and may write a checkpoint.
  std::uint64_t append(const AuditEvent& event);
  // Makes everything appended so far durable (OnCommit), and checkpoints when one is due by time.
  void commit();
  // Writes a checkpoint entry now (fsynced), updates audit.head and the anchor.
  CheckpointHead checkpoint(const std::string& reason = "requested");
  // Final checkpoint (unless the last entry already is one), fsync, release. Idempotent.
  void close();

  bool keyed() const { return !key_.empty(); }
  const std::optional<Recovery>& recovered() const { return recovered_; }
  std::uint64_t lastSeq() const;
  std::string lastHash() const;

 private:
  explicit AuditLog(AuditSettings settings);
  class FileLock;
  void loadTail();
  void refreshIfChanged();
  std::uint64_t appendLocked(const AuditEvent& event);
  void writeLine(const std::string& line);
  CheckpointHead checkpointLocked(const std::string& reason);
  void maybeCheckpointLocked();
  void openSegment(bool create);
  void closeSegment();
  void syncSegment();

  AuditSettings settings_;
  std::string key_;
  mutable std::mutex mutex_;
  int lock_fd_ = -1;
  int fd_ = -1;
  std::uint64_t seg_no_ = 1;
  std::uint64_t seg_size_ = 0;
  std::uint64_t last_seq_ = 0;
  std::string last_hash_;
  std::string last_action_;
  std::uint64_t since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_time_;
  bool dirty_ = false;
  bool closed_ = false;
  std::optional<Recovery> recovered_;
};

}  // namespace fa::audit

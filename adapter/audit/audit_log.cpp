#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/instant.h"

namespace fa::audit {
namespace {

std::string errnoText() {
  return std::strerror(errno);
}

}  // namespace

class AuditLog::FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw AuditError("cannot lock the audit log: " + errnoText());
    }
  }
  ~FileLock() { ::flock(fd_, LOCK_UN); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

AuditLog::AuditLog(AuditSettings settings) : settings_(std::move(settings)) {
  if (settings_.key_file) {
    key_ = loadKeyFile(settings_.key_file->string());
  } else {
    key_ = settings_.key;
  }
  if (settings_.max_segment_bytes < 4096) settings_.max_segment_bytes = 4096;
}

std::unique_ptr<AuditLog> AuditLog::open(AuditSettings settings) {
  std::unique_ptr<AuditLog> log(new AuditLog(std::move(settings)));
  std::error_code ec;
  std::filesystem::create_directories(log->settings_.dir, ec);
  if (ec) throw AuditError("cannot create the audit folder " + log->settings_.dir.string() + ": " + ec.message());
  const std::filesystem::path lock = log->settings_.dir / kLockFileName;
  log->lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (log->lock_fd_ < 0) throw AuditError("cannot open " + lock.string() + ": " + errnoText());
  std::lock_guard guard(log->mutex_);
  FileLock fl(log->lock_fd_);
  log->loadTail();
  log->last_checkpoint_time_ = std::chrono::steady_clock::now();
  if (log->recovered_) {
    log->syncSegment();
  }
  return log;
}

AuditLog::~AuditLog() {
  try {
    close();
  } catch (...) {
    // Destructors do not throw; close() explicitly to see errors.
  }
  closeSegment();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void AuditLog::closeSegment() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void AuditLog::syncSegment() {
  if (fd_ >= 0 && settings_.fsync != FsyncPolicy::Never && ::fdatasync(fd_) != 0)
    throw AuditError("cannot sync the audit log: " + errnoText());
  dirty_ = false;
}

void AuditLog::openSegment(bool create) {
  const std::filesystem::path path = settings_.dir / segmentName(seg_no_);
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0640);
  if (fd_ < 0) throw AuditError("cannot open " + path.string() + ": " + errnoText());
  if (!existed) fsyncDirectory(settings_.dir);
}

// Finds the last complete entry (walking back over empty segments), truncates a partial last
// line, and checks the entry before continuing the chain from it.
void AuditLog::loadTail() {
  closeSegment();
  recovered_.reset();
  const auto segments = listSegments(settings_.dir);
  last_seq_ = 0;
  last_hash_ = std::string(kGenesisHash);
  last_action_.clear();
  seg_no_ = 1;
  seg_size_ = 0;
  if (segments.empty()) return;
  seg_no_ = segments.back().number;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    std::string last;
    std::size_t lastNumber = 0;
    std::string partial;
    std::size_t partialNumber = 0;
    forEachLine(it->path, [&](std::string_view line, std::size_t number, bool terminated) {
      if (terminated) {
        last.assign(line);
        lastNumber = number;
      } else {
        partial.assign(line);
        partialNumber = number;
      }
      return true;
    });
    std::error_code ec;
    const auto size = std::filesystem::file_size(it->path, ec);
    if (ec) throw AuditError("cannot read " + it->path.string() + ": " + ec.message());
    if (!partial.empty()) {
      if (it != segments.rbegin())
        throw AuditError(it->path.string() + " line " + std::to_string(partialNumber) +
                         " is not terminated but later segments exist; run `fhir-adapter audit verify`");
      const int fd = ::open(it->path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size - partial.size())) != 0 || ::fsync(fd) != 0) {
        const std::string err = errnoText();
        if (fd >= 0) ::close(fd);
        throw AuditError("cannot truncate the partial last line of " + it->path.string() + ": " + err);
      }
      ::close(fd);
      recovered_ = Recovery{it->path.filename().string(), partialNumber, partial.size(), sha256Hex(partial)};
    }
    if (it == segments.rbegin()) seg_size_ = size - partial.size();
    if (last.empty()) {
      if (lastNumber != 0)
        throw AuditError(it->path.string() + " line " + std::to_string(lastNumber) +
                         " is empty; run `fhir-adapter audit verify`");
      continue;  // an empty segment (rotation just happened): the chain ends in the one before
    }
    std::string why;
    auto entry = parseEntry(last, &why);
    const std::string where = it->path.string() + " line " + std::to_string(lastNumber);
    if (!entry) throw AuditError(where + ": the last entry is not valid (" + why + "); run `fhir-adapter audit verify`");
    if (sha256Hex(canonicalBody(*entry)) != entry->hash)
      throw AuditError(where + ": the last entry does not match its hash; run `fhir-adapter audit verify`");
    if (!key_.empty() && entry->mac.empty())
      throw AuditError(where + ": the log was written without a key; a keyed log needs a new [audit] dir");
    if (!key_.empty() && entry->mac != entryMac(key_, entry->hash))
      throw AuditError(where + ": the key does not match the one this log was written with");
    if (key_.empty() && !entry->mac.empty())
      throw AuditError(where + ": the log was written with a key; set [audit] key_file to continue it");
    last_seq_ = entry->seq;
    last_hash_ = entry->hash;
    last_action_ = entry->action;
    break;
  }
  openSegment(false);
  if (recovered_) {
    AuditEvent e;
    e.actor = settings_.actor;
    e.action = "audit_recovered";
    e.outcome = "minor_failure";
    e.details = {{"segment", recovered_->segment},
                 {"line", std::to_string(recovered_->line)},
                 {"dropped_bytes", std::to_string(recovered_->dropped_bytes)},
                 {"dropped_sha256", recovered_->dropped_sha256}};
    appendLocked(e);
  }
}

void AuditLog::refreshIfChanged() {
  bool changed = false;
  std::error_code ec;
  if (fd_ >= 0) {
    struct stat st {};
    changed = ::fstat(fd_, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != seg_size_ ||
              std::filesystem::exists(settings_.dir / segmentName(seg_no_ + 1), ec);
  } else {
    changed = std::filesystem::exists(settings_.dir / segmentName(seg_no_), ec);
  }
  if (changed) loadTail();
}

void AuditLog::writeLine(const std::string& line) {
  if (fd_ >= 0 && seg_size_ > 0 && seg_size_ + line.size() > settings_.max_segment_bytes) {
    syncSegment();
    closeSegment();
    ++seg_no_;
    seg_size_ = 0;
  }
  if (fd_ < 0) openSegment(true);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = errnoText();
      if (::ftruncate(fd_, static_cast<off_t>(seg_size_)) != 0) {
        // The partial line stays; the next open() recovers it.
      }
      throw AuditError("cannot append to the audit log: " + err);
    }
    done += static_cast<std::size_t>(n);
  }
  seg_size_ += line.size();
  dirty_ = true;
  if (settings_.fsync == FsyncPolicy::EveryEntry) syncSegment();
}

std::uint64_t AuditLog::appendLocked(const AuditEvent& event) {
  AuditEntry e;
  e.seq = last_seq_ + 1;
  e.time = common::nowInstant();
  e.actor = sanitizeUtf8(event.actor);
  e.action = sanitizeUtf8(event.action);
  e.record_key = sanitizeUtf8(event.record_key);
  e.source_ref = sanitizeUtf8(event.source_ref);
  e.source_server = sanitizeUtf8(event.source_server);
  e.rule_version = sanitizeUtf8(event.rule_version);
  e.outcome = sanitizeUtf8(event.outcome);
  for (auto& [k, v] : event.details)
    e.details[sanitizeUtf8(k)] = sanitizeUtf8(v);
  e.prev = last_hash_;
  std::string line = seal(e, key_);
  line.push_back('\n');
  writeLine(line);
  last_seq_ = e.seq;
  last_hash_ = e.hash;
  last_action_ = e.action;
  ++since_checkpoint_;
  return e.seq;
}

void AuditLog::maybeCheckpointLocked() {
  if (since_checkpoint_ == 0) return;
  const bool byCount = settings_.checkpoint_every_entries > 0 && since_checkpoint_ >= settings_.checkpoint_every_entries;
  const bool byTime = settings_.checkpoint_every.count() > 0 &&
                      std::chrono::steady_clock::now() - last_checkpoint_time_ >= settings_.checkpoint_every;
  if (byCount || byTime) checkpointLocked(byCount ? "entries" : "interval");
}

std::uint64_t AuditLog::append(const AuditEvent& event) {
  std::lock_guard guard(mutex_);
  if (closed_) throw AuditError("the audit log is closed");
  FileLock fl(lock_fd_);
  refreshIfChanged();
  // A new log starts with a checkpoint, so audit.head exists as soon as any entry does.
  if (last_seq_ == 0) checkpointLocked("created");
  const std::uint64_t seq = appendLocked(event);
  maybeCheckpointLocked();
  return seq;
}

void AuditLog::commit() {
  std::lock_guard guard(mutex_);
  if (closed_) return;
  FileLock fl(lock_fd_);
  if (dirty_) syncSegment();
  refreshIfChanged();
  maybeCheckpointLocked();
}

CheckpointHead AuditLog::checkpointLocked(const std::string& reason) {
  AuditEvent e;
  e.actor = settings_.actor;
  e.action = std::string(kCheckpointAction);
  e.details = {{"head_seq", std::to_string(last_seq_)}, {"reason", reason}, {"mode", key_.empty() ? "hash-only" : "hmac-sha256"}};
  appendLocked(e);
  syncSegment();
  CheckpointHead head;
  head.seq = last_seq_;
  head.hash = last_hash_;
  head.time = common::nowInstant();
  head.segment = segmentName(seg_no_);
  if (!key_.empty()) head.mac = head.expectedMac(key_);
  const std::string line = head.line() + "\n";
  writeFileAtomically(settings_.dir / kHeadFileName, line);
  since_checkpoint_ = 0;
  last_checkpoint_time_ = std::chrono::steady_clock::now();
  if (settings_.anchor_path) {
    const int fd = ::open(settings_.anchor_path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    bool ok = fd >= 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    const std::string err = errnoText();
    if (fd >= 0) ::close(fd);
    if (!ok) throw AuditError("cannot append the checkpoint head to the anchor " + settings_.anchor_path->string() + ": " + err);
  }
  if (settings_.on_checkpoint) settings_.on_checkpoint(head);
  return head;
}

CheckpointHead AuditLog::checkpoint(const std::string& reason) {
  std::lock_guard guard(mutex_);
  if (closed_) throw AuditError("the audit log is closed");
  FileLock fl(lock_fd_);
  refreshIfChanged();
  return checkpointLocked(reason);
}

void AuditLog::close() {
  std::lock_guard guard(mutex_);
  if (closed_) return;
  closed_ = true;
  FileLock fl(lock_fd_);
  refreshIfChanged();
  if (last_seq_ > 0 && last_action_ != kCheckpointAction) {
    checkpointLocked("shutdown");
  } else if (dirty_) {
    syncSegment();
  }
  closeSegment();
}

std::uint64_t AuditLog::lastSeq() const {
  std::lock_guard guard(mutex_);
  return last_seq_;
}

std::string AuditLog::lastHash() const {
  std::lock_guard guard(mutex_);
  return last_hash_;
}

}  // namespace fa::audit

#pragma once
// Helpers for the audit tests: temporary folders, building logs, reading and rewriting segments.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit_entry.h"
#include "audit/audit_log.h"
#include "audit/audit_verify.h"

namespace fa::audit_test {

namespace fs = std::filesystem;

inline const std::string kKey = "0123456789abcdef0123456789abcdef-test-key";

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    // tmpfs when there is one: the tampering matrix rewrites files tens of thousands of times,
    // and ext4 flushes a file truncated and rewritten on close.
    std::error_code ec;
    const fs::path base =
        fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("fa-audit-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

inline std::string joinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

inline audit::AuditSettings settings(const fs::path& dir, const std::string& key = kKey) {
  audit::AuditSettings s;
  s.dir = dir;
  s.key = key;
  s.fsync = audit::FsyncPolicy::Never;
  s.checkpoint_every_entries = 5;
  s.checkpoint_every = std::chrono::seconds(0);
  return s;
}

// A record event the way the daemon writes one.
inline audit::AuditEvent recordEvent(int i, const std::string& action = "record_updated") {
  audit::AuditEvent e;
  e.actor = "fhir-adapter/sync";
  e.action = action;
  e.record_key = "obs-" + std::to_string(i);
  e.source_ref = "Observation/obs-" + std::to_string(i) + "/_history/2";
  e.source_server = "https://fhir.example/fhir";
  e.rule_version = "4f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";
  e.details = {{"subject_id", "S-" + std::to_string(100 + i % 7)},
               {"analyte", i % 2 ? "BILI" : "ALB"},
               {"before.value", "21.5"},
               {"after.value", "\"quoted\" \\ value\t" + std::to_string(i)},
               {"before.flag", "normal"},
               {"after.flag", "high"},
               {"after.ctcae_grade", "1"},
               {"after.selected", "true"}};
  return e;
}

// A closed log of `events` record events (plus its checkpoints), one segment.
inline void buildLog(const fs::path& dir, int events, const std::string& key = kKey) {
  auto log = audit::AuditLog::open(settings(dir, key));
  for (int i = 0; i < events; ++i)
    log->append(recordEvent(i));
  log->close();
}

inline audit::VerifyReport verify(const fs::path& dir, const std::string& key = kKey) {
  audit::VerifyOptions o;
  o.dir = dir;
  o.key = key;
  return audit::verifyLog(o);
}

// Re-chains entries from `from` on (new seq numbers, prev, hash) WITHOUT the key: what an
// attacker who can write the files but does not hold the key can do. Old MACs are kept.
inline void rechainWithoutKey(std::vector<std::string>& lines, std::size_t from) {
  std::string prev = from == 0 ? std::string(audit::kGenesisHash) : audit::parseEntry(lines[from - 1])->hash;
  for (std::size_t i = from; i < lines.size(); ++i) {
    auto e = audit::parseEntry(lines[i]);
    ASSERT_TRUE(e) << lines[i];
    const std::string mac = e->mac;
    e->seq = i + 1;
    e->prev = prev;
    audit::seal(*e, "");
    e->mac = mac;
    lines[i] = audit::canonicalLine(*e);
    prev = e->hash;
  }
}

}  // namespace fa::audit_test

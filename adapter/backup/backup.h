#pragma once
// `fhir-adapter backup` and `restore` (docs/contract.md, "fhir-adapter backup"): a consistent
// copy of the store and the audit log while the daemon runs, with a manifest of SHA-256 hashes,
// and a restore that checks every hash before it writes anything.
//
// A backup folder holds
//   adapter.db            the store, by SQLite's online backup API (one snapshot)
//   audit/                the audit segments and audit.head
//   anchor/NAME           the anchor file ([audit] anchor_path), when configured
//   manifest.sha256       "HASH  PATH" per file, as sha256sum writes it (`sha256sum -c` checks it)
//
// Order, so that the copy verifies: the store first, then audit.head and the anchor, then the
// segments (which only grow, so they hold every checkpoint the head and anchor name), each
// segment cut at its last complete line. A record change audited between the store snapshot
// and the audit copy is in both (the restored daemon's outbox may audit it a second time);
// nothing audited is ever missing from the copy.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::backup {

class BackupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the live files are (from the configuration).
struct LiveFiles {
  std::filesystem::path store;
  std::filesystem::path audit_dir;
  std::optional<std::filesystem::path> anchor;
};

struct ManifestEntry {
  std::string path;  // relative to the backup folder, '/' separated
  std::uint64_t bytes = 0;
  std::string sha256;  // 64 hex digits
};

inline constexpr const char* kManifestName = "manifest.sha256";
inline constexpr const char* kStoreName = "adapter.db";

// Writes a backup into `to` (created; must be missing or empty). Returns the manifest entries.
std::vector<ManifestEntry> writeBackup(const LiveFiles& live, const std::filesystem::path& to);

// Reads the manifest of `from` and checks every file's hash and size. Returns the entries, or
// throws BackupError naming the first file that is missing or differs.
std::vector<ManifestEntry> checkBackup(const std::filesystem::path& from);

// Checks `from`, then copies it over the live files. Refuses (BackupError) when the store or the
// audit folder already holds data, unless `force` (then they are replaced). An existing anchor
// file is never replaced: it records what the log held, so `audit verify` can tell that a
// restored log lacks later entries. The caller holds the store lock, so no daemon runs meanwhile.
void restoreBackup(const std::filesystem::path& from, const LiveFiles& live, bool force);

}  // namespace fa::backup

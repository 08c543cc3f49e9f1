#include "backup/backup.h"

#include <fstream>
#include <sstream>

#include "audit/audit_files.h"
#include "backup/backup_files.h"
#include "store/private_files.h"
#include "store/sqlite_db.h"
#include "store/store_backup.h"

namespace fa::backup {
namespace {

namespace fs = std::filesystem;

bool emptyOrMissing(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec));
}

void add(std::vector<ManifestEntry>& entries, const std::string& path, const Copied& c) {
  entries.push_back({path, c.bytes, c.sha256});
}

// audit.head, then the anchor, then the segments: see backup.h for why in this order.
void copyAudit(const LiveFiles& live, const fs::path& to, std::vector<ManifestEntry>& entries) {
  store::createPrivateDirectories((to / "audit").string());
  std::error_code ec;
  const fs::path head = live.audit_dir / audit::kHeadFileName;
  if (fs::exists(head, ec))
    add(entries, std::string("audit/") + audit::kHeadFileName, copyHashed(head, to / "audit" / audit::kHeadFileName, false));
  if (live.anchor && fs::exists(*live.anchor, ec)) {
    store::createPrivateDirectories((to / "anchor").string());
    const std::string name = live.anchor->filename().string();
    add(entries, "anchor/" + name, copyHashed(*live.anchor, to / "anchor" / name, true));
  }
  for (const audit::SegmentFile& s : audit::listSegments(live.audit_dir)) {
    const std::string name = s.path.filename().string();
    add(entries, "audit/" + name, copyHashed(s.path, to / "audit" / name, true));
  }
}

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw BackupError(file.string() + ": cannot be read (no manifest: not a complete backup)");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where an entry of the backup goes on restore; empty when this configuration has no place for it.
fs::path destination(const ManifestEntry& e, const LiveFiles& live) {
  if (e.path == kStoreName) return live.store;
  const std::string name = fs::path(e.path).filename().string();
  if (e.path.rfind("audit/", 0) == 0) return live.audit_dir / name;
  return live.anchor ? *live.anchor : fs::path();
}

bool holdsData(const LiveFiles& live) {
  std::error_code ec;
  if (fs::exists(live.store, ec)) return true;
  return fs::exists(live.audit_dir / audit::kHeadFileName, ec) || !audit::listSegments(live.audit_dir).empty();
}

void removeLive(const LiveFiles& live) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    fs::remove(live.store.string() + suffix, ec);
  fs::remove(live.audit_dir / audit::kHeadFileName, ec);
  for (const audit::SegmentFile& s : audit::listSegments(live.audit_dir))
    fs::remove(s.path, ec);
  // The anchor stays: it is the evidence, kept apart, of what the log held before the restore.
}

}  // namespace

std::vector<ManifestEntry> writeBackup(const LiveFiles& live, const fs::path& to) {
  if (!emptyOrMissing(to)) throw BackupError(to.string() + ": not empty (a backup goes into a new folder)");
  std::error_code ec;
  if (!fs::exists(live.store, ec)) throw BackupError(live.store.string() + ": no store yet (run the daemon first)");
  store::createPrivateDirectories(to.string());
  std::vector<ManifestEntry> entries;
  try {
    store::backupStore(live.store.string(), (to / kStoreName).string());
  } catch (const store::StoreError& e) {
    throw BackupError(e.what());
  }
  add(entries, kStoreName, hashFile(to / kStoreName));
  copyAudit(live, to, entries);
  // The manifest last: a folder without one is an interrupted backup, and restore refuses it.
  audit::writeFileAtomically(to / kManifestName, manifestText(entries));
  return entries;
}

std::vector<ManifestEntry> checkBackup(const fs::path& from) {
  const fs::path manifest = from / kManifestName;
  std::vector<ManifestEntry> entries = parseManifest(readAll(manifest), manifest.string());
  bool store = false;
  for (const ManifestEntry& e : entries) {
    store = store || e.path == kStoreName;
    const Copied found = hashFile(from / e.path);
    if (found.sha256 != e.sha256)
      throw BackupError((from / e.path).string() + ": SHA-256 differs from the manifest (changed or damaged)");
  }
  if (!store) throw BackupError(manifest.string() + ": names no " + kStoreName);
  return entries;
}

void restoreBackup(const fs::path& from, const LiveFiles& live, bool force) {
  const std::vector<ManifestEntry> entries = checkBackup(from);
  if (holdsData(live) && !force)
    throw BackupError(live.store.string() + " or " + live.audit_dir.string() +
                      " already holds data: restore into an empty place, or add --force to replace it");
  if (force) removeLive(live);
  store::createPrivateDirectories(live.audit_dir.string());
  if (!live.store.parent_path().empty()) store::createPrivateDirectories(live.store.parent_path().string());
  for (const ManifestEntry& e : entries) {
    const fs::path target = destination(e, live);
    std::error_code ec;
    // An anchor only where there is none: an existing one is never replaced (see removeLive).
    if (target.empty() || (e.path.rfind("anchor/", 0) == 0 && fs::exists(target, ec))) continue;
    const fs::path temp = target.string() + ".restoring";
    fs::remove(temp, ec);
    const Copied c = copyHashed(from / e.path, temp, false);
    if (c.sha256 != e.sha256) throw BackupError((from / e.path).string() + ": changed while being restored");
    fs::rename(temp, target);
  }
  audit::fsyncDirectory(live.audit_dir);
}

}  // namespace fa::backup

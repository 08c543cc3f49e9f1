#include "store/store_backup.h"

#include <sqlite3.h>

#include <filesystem>

#include "store/private_files.h"
#include "store/sqlite_db.h"

namespace fa::store {

void backupStore(const std::string& source, const std::string& target) {
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) throw StoreError(target + ": already exists");
  SqliteDb from(source, SqliteDb::Mode::ReadOnly);
  createPrivateFile(target);
  sqlite3* to = nullptr;
  if (sqlite3_open_v2(target.c_str(), &to, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string why = to ? sqlite3_errmsg(to) : "out of memory";
    sqlite3_close(to);
    throw StoreError("open " + target + ": " + why);
  }
  sqlite3_busy_timeout(to, 5000);
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from.handle(), "main");
  if (backup == nullptr) {
    const std::string why = sqlite3_errmsg(to);
    sqlite3_close(to);
    throw StoreError("backup of " + source + " to " + target + ": " + why);
  }
  // All pages in one step: one read transaction, so one consistent snapshot.
  int rc = sqlite3_backup_step(backup, -1);
  for (int attempt = 0; (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 100; ++attempt) {
    sqlite3_sleep(50);
    rc = sqlite3_backup_step(backup, -1);
  }
  const int finished = sqlite3_backup_finish(backup);
  const std::string why = sqlite3_errmsg(to);
  sqlite3_close(to);
  if (rc != SQLITE_DONE || finished != SQLITE_OK) throw StoreError("backup of " + source + " to " + target + ": " + why);
}

std::string integrityCheck(const std::string& path) {
  SqliteDb db(path, SqliteDb::Mode::ReadOnly);
  Statement check = db.prepare("PRAGMA integrity_check");
  return check.step() ? check.text(0) : "no answer";
}

}  // namespace fa::store

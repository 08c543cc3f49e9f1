#pragma once
// StoreLock: one writing process per store. acquire() takes an exclusive flock(2) on
// "<db_path>.lock" (created 0600) and writes the holder's pid into it; the lock lasts as long
// as the object (and ends with the process, however it ends, so a crash never leaves a stale
// lock). A second acquisition by another process throws StoreLockedError naming the holder.
#include <string>

#include "store/sqlite_db.h"

namespace fa::store {

class StoreLockedError : public StoreError {
 public:
  StoreLockedError(const std::string& message, long holder_pid) : StoreError(message), holder_pid_(holder_pid) {}
  long holderPid() const { return holder_pid_; }  // 0 when the lock file names none

 private:
  long holder_pid_;
};

class StoreLock {
 public:
  // Throws StoreLockedError when another process holds it, StoreError when the lock file
  // cannot be made.
  static StoreLock acquire(const std::string& db_path);
  ~StoreLock();
  StoreLock(StoreLock&& other) noexcept;
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  StoreLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace fa::store

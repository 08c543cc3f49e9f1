#include "store/store_lock.h"

#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "store/private_files.h"

namespace fa::store {
namespace {

long readPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return 0;
  return std::strtol(buffer, nullptr, 10);
}

void writePid(int fd, const std::string& path) {
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    throw StoreError("write " + path + ": " + std::strerror(errno));
}

}  // namespace

StoreLock StoreLock::acquire(const std::string& db_path) {
  const std::string path = db_path + ".lock";
  const int fd = openPrivateFile(path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const long holder = readPid(fd);
    ::close(fd);
    if (error != EWOULDBLOCK) throw StoreError("lock " + path + ": " + std::strerror(error));
    // The holder writes its pid right after taking the lock: 0 only in that instant.
    throw StoreLockedError("store " + db_path + " is in use by process " + (holder ? std::to_string(holder) : "unknown"), holder);
  }
  try {
    writePid(fd, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  return StoreLock(path, fd);
}

StoreLock::StoreLock(StoreLock&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
  other.fd_ = -1;
}

StoreLock::~StoreLock() {
  // The pid stays in the file: harmless, the flock is what counts. Closing releases it.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fa::store

#include "store/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "store/sqlite_db.h"

namespace fa::store {
namespace {

[[noreturn]] void failErrno(const std::string& what, const std::string& path) {
  throw StoreError(what + " " + path + ": " + std::strerror(errno));
}

std::string parentOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

void createPrivateDirectories(const std::string& dir) {
  if (dir.empty()) return;
  // Outermost missing folder first; mkdir applies the umask, so chmod says what we mean.
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (std::filesystem::path p = dir; !p.empty() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const std::string p = it->string();
    if (::mkdir(p.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // made by another process meanwhile
      failErrno("create folder", p);
    }
    if (::chmod(p.c_str(), 0700) != 0) failErrno("chmod", p);
  }
}

int openPrivateFile(const std::string& path) {
  createPrivateDirectories(parentOf(path));
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (::fchmod(fd, 0600) != 0) {
      ::close(fd);
      failErrno("chmod", path);
    }
    return fd;
  }
  if (errno != EEXIST) failErrno("create", path);
  fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) failErrno("open", path);
  return fd;
}

void createPrivateFile(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return;
  ::close(openPrivateFile(path));
}

}  // namespace fa::store

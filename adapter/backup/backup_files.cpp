#include "backup/backup_files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <sstream>

#include "common/hex.h"

namespace fa::backup {
namespace {

constexpr std::size_t kBlock = 1 << 20;

std::string systemError(const std::filesystem::path& file, const char* what) {
  return file.string() + ": " + what + ": " + std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw BackupError("SHA-256 unavailable");
  }
  void add(const char* data, std::size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &n);
    return common::toHex(digest, n);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// The length of the file's whole lines: up to and including its last newline.
std::uint64_t wholeLinesLength(int fd, std::uint64_t size, const std::filesystem::path& file) {
  std::vector<char> block(64 * 1024);
  std::uint64_t end = size;
  while (end > 0) {
    const std::uint64_t start = end > block.size() ? end - block.size() : 0;
    const ssize_t n = ::pread(fd, block.data(), end - start, static_cast<off_t>(start));
    if (n < 0) throw BackupError(systemError(file, "read"));
    for (std::uint64_t i = static_cast<std::uint64_t>(n); i > 0; --i)
      if (block[i - 1] == '\n') return start + i;
    end = start;
  }
  return 0;
}

}  // namespace

Copied copyHashed(const std::filesystem::path& from, const std::filesystem::path& to, bool whole_lines) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throw BackupError(systemError(from, "cannot be read"));
  const off_t end = ::lseek(in.get(), 0, SEEK_END);
  if (end < 0) throw BackupError(systemError(from, "cannot be read"));
  std::uint64_t length = static_cast<std::uint64_t>(end);
  if (whole_lines) length = wholeLinesLength(in.get(), length, from);
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) throw BackupError(systemError(to, "cannot be created"));
  Sha256 hash;
  std::vector<char> block(kBlock);
  Copied copied;
  while (copied.bytes < length) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), length - copied.bytes));
    const ssize_t n = ::pread(in.get(), block.data(), want, static_cast<off_t>(copied.bytes));
    if (n <= 0) throw BackupError(n < 0 ? systemError(from, "read") : from.string() + ": shrank while being copied");
    if (::write(out.get(), block.data(), static_cast<std::size_t>(n)) != n) throw BackupError(systemError(to, "write"));
    hash.add(block.data(), static_cast<std::size_t>(n));
    copied.bytes += static_cast<std::uint64_t>(n);
  }
  if (::fsync(out.get()) != 0) throw BackupError(systemError(to, "fsync"));
  copied.sha256 = hash.hex();
  return copied;
}

Copied hashFile(const std::filesystem::path& file) {
  Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throw BackupError(systemError(file, "cannot be read"));
  Sha256 hash;
  std::vector<char> block(kBlock);
  Copied c;
  for (;;) {
    const ssize_t n = ::read(in.get(), block.data(), block.size());
    if (n < 0) throw BackupError(systemError(file, "read"));
    if (n == 0) break;
    hash.add(block.data(), static_cast<std::size_t>(n));
    c.bytes += static_cast<std::uint64_t>(n);
  }
  c.sha256 = hash.hex();
  return c;
}

std::string manifestText(const std::vector<ManifestEntry>& entries) {
  std::string text;
  for (const ManifestEntry& e : entries)
    text += e.sha256 + "  " + e.path + "\n";
  return text;
}

std::vector<ManifestEntry> parseManifest(const std::string& text, const std::string& label) {
  std::vector<ManifestEntry> entries;
  std::istringstream in(text);
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string where = label + " line " + std::to_string(number);
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0) throw BackupError(where + ": not \"SHA256  PATH\"");
    ManifestEntry e;
    e.sha256 = line.substr(0, 64);
    e.path = line.substr(66);
    if (e.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) throw BackupError(where + ": not a SHA-256");
    const std::filesystem::path p(e.path);
    const bool known = e.path == kStoreName || ((e.path.rfind("audit/", 0) == 0 || e.path.rfind("anchor/", 0) == 0) &&
                                                std::distance(p.begin(), p.end()) == 2);
    if (!known || e.path.find("..") != std::string::npos) throw BackupError(where + ": unexpected path \"" + e.path + "\"");
    entries.push_back(e);
  }
  return entries;
}

}  // namespace fa::backup

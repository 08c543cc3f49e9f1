#include "audit/audit_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>
#include <utility>

#include <rapidjson/document.h>

#include "audit/audit_entry.h"
#include "common/json_depth.h"

namespace fa::audit {

std::string segmentName(std::uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "audit-%06llu.jsonl", static_cast<unsigned long long>(number));
  return buf;
}

std::vector<SegmentFile> listSegments(const std::filesystem::path& dir) {
  std::vector<SegmentFile> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  static const std::regex pattern(R"(audit-([0-9]{6,18})\.jsonl)");
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, m, pattern)) continue;
    out.push_back({std::stoull(m[1].str()), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) { return a.number < b.number; });
  return out;
}

void forEachLine(const std::filesystem::path& file,
                 const std::function<bool(std::string_view line, std::size_t number, bool terminated)>& visit) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw AuditError("cannot read " + file.string() + ": " + std::strerror(errno));
  // Blocks of up to 4 MiB; small files (audit.head, tests) get a small buffer.
  struct stat st {};
  const std::size_t kBlock =
      ::fstat(fd, &st) == 0 ? std::clamp<std::size_t>(static_cast<std::size_t>(st.st_size) + 1, 4096, 4u << 20) : (4u << 20);
  std::string buf;
  std::size_t start = 0;  // first unconsumed byte of buf
  std::size_t number = 0;
  bool stop = false;
  while (!stop) {
    // Keep the unconsumed tail and read the next block behind it.
    if (start > 0) {
      buf.erase(0, start);
      start = 0;
    }
    const std::size_t have = buf.size();
    buf.resize(have + kBlock);
    ssize_t n;
    do {
      n = ::read(fd, buf.data() + have, kBlock);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw AuditError("cannot read " + file.string() + ": " + std::strerror(err));
    }
    buf.resize(have + static_cast<std::size_t>(n));
    if (n == 0) {
      if (!buf.empty()) visit(std::string_view(buf), ++number, false);
      break;
    }
    while (true) {
      const std::size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      if (!visit(std::string_view(buf).substr(start, nl - start), ++number, true)) {
        stop = true;
        break;
      }
      start = nl + 1;
    }
  }
  ::close(fd);
}

std::string CheckpointHead::line() const {
  std::string out =
      "{\"seq\":" + std::to_string(seq) + ",\"hash\":\"" + hash + "\",\"time\":\"" + time + "\",\"segment\":\"" + segment + "\"";
  if (!mac.empty()) out += ",\"mac\":\"" + mac + "\"";
  out += "}";
  return out;
}

std::optional<CheckpointHead> CheckpointHead::parse(std::string_view line) {
  rapidjson::Document doc;
  common::parseBounded(doc, line);
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  CheckpointHead h;
  auto seq = std::as_const(doc).FindMember("seq");
  if (seq == doc.MemberEnd() || !seq->value.IsUint64()) return std::nullopt;
  h.seq = seq->value.GetUint64();
  auto str = [&](const char* key, std::string& out, bool required) {
    auto it = std::as_const(doc).FindMember(key);
    if (it == doc.MemberEnd()) return !required;
    if (!it->value.IsString()) return false;
    out = it->value.GetString();
    return true;
  };
  if (!str("hash", h.hash, true) || !str("time", h.time, true) || !str("segment", h.segment, true) || !str("mac", h.mac, false))
    return std::nullopt;
  return h;
}

std::string CheckpointHead::expectedMac(std::string_view key) const {
  return common::hmacSha256Hex(key,
                               "fhir-adapter audit head\n" + std::to_string(seq) + "\n" + hash + "\n" + time + "\n" + segment);
}

void fsyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void writeFileAtomically(const std::filesystem::path& file, const std::string& content) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) throw AuditError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      throw AuditError("cannot write " + tmp.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw AuditError("cannot sync " + tmp.string() + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), file.c_str()) != 0) throw AuditError("cannot rename " + tmp.string() + ": " + std::strerror(errno));
  fsyncDirectory(file.parent_path());
}

}  // namespace fa::audit

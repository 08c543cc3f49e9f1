#pragma once
// The files of an audit directory: segments audit-000001.jsonl, audit-000002.jsonl, ... (the
// chain runs on from one to the next), audit.head (the latest checkpoint, replaced atomically)
// and audit.lock (flock: one writer at a time, across processes).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fa::audit {

inline constexpr const char* kHeadFileName = "audit.head";
inline constexpr const char* kLockFileName = "audit.lock";

struct SegmentFile {
  std::uint64_t number = 0;
  std::filesystem::path path;
};

std::string segmentName(std::uint64_t number);
// Segments present in `dir`, by number (gaps are left for the caller to notice).
std::vector<SegmentFile> listSegments(const std::filesystem::path& dir);

// Reads a file line by line in bounded memory. `terminated` is false only for a last line
// without its newline (an interrupted write). Returning false from `visit` stops.
void forEachLine(const std::filesystem::path& file,
                 const std::function<bool(std::string_view line, std::size_t number, bool terminated)>& visit);

// The head of the latest checkpoint: what audit.head holds and what is exported for anchoring.
struct CheckpointHead {
  std::uint64_t seq = 0;  // the checkpoint entry's own sequence number
  std::string hash;       // and its hash
  std::string time;
  std::string segment;
  std::string mac;  // HMAC-SHA256 over the fields above; empty without a key

  std::string line() const;  // one JSON line, no newline
  static std::optional<CheckpointHead> parse(std::string_view line);
  std::string expectedMac(std::string_view key) const;
};

// Writes `content` to `file` atomically (temporary file, fsync, rename, fsync of the folder).
void writeFileAtomically(const std::filesystem::path& file, const std::string& content);
void fsyncDirectory(const std::filesystem::path& dir);

}  // namespace fa::audit

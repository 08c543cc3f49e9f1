#pragma once
// The read buffer under every input layout (resource_stream.h): line splitting for NDJSON, and
// a RapidJSON input stream for a JSON document. Internal to fhir/; not thread-safe.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fa::fhir::detail {

// Reads go in chunks of at least half of kChunk once the input proves longer than the first
// read of kFirstChunk: a notification or one page (a few KB) then never maps a megabyte.
inline constexpr std::size_t kFirstChunk = 64 << 10;
inline constexpr std::size_t kChunk = 1 << 20;
inline constexpr std::size_t kMaxLine = 256u << 20;  // one NDJSON resource; anything longer is rejected

// A read buffer over a FILE*, used both for line splitting and as a RapidJSON input stream.
class InputBuffer {
 public:
  explicit InputBuffer(std::FILE* f) : file_(f) { buffer_.resize(kFirstChunk + 1); }

  // Makes sure [pos_, end_) holds a full line (or the rest of the input, or kMaxLine bytes).
  // Returns the line's length, excluding '\n'; nullopt at end of input.
  std::optional<std::size_t> ensureLine(bool& too_long) {
    too_long = false;
    std::size_t scanned = 0;
    while (true) {
      char* start = buffer_.data() + pos_;
      void* nl = std::memchr(start + scanned, '\n', end_ - pos_ - scanned);
      if (nl) return static_cast<std::size_t>(static_cast<char*>(nl) - start);
      scanned = end_ - pos_;
      if (scanned >= kMaxLine) {
        too_long = true;
        return scanned;
      }
      if (!fill()) return end_ > pos_ ? std::optional<std::size_t>(end_ - pos_) : std::nullopt;
    }
  }

  char* current() { return buffer_.data() + pos_; }
  // Initialised bytes of the buffer after a line of `length` at the current position.
  std::size_t readableAfter(std::size_t length) const { return buffer_.size() - pos_ - length; }
  // Clamped: the last line of a file may end without '\n', and advancing past end_ would make
  // the next ensureLine() scan a wrapped-around length (a crash).
  void advance(std::size_t n) { pos_ = std::min(pos_ + n, end_); }
  // The line that starts `offset` bytes after the current position (without its '\n'), read
  // ahead without consuming anything; nullopt at end of input. Valid until the next read.
  std::optional<std::string_view> peekLine(std::size_t offset) {
    std::size_t scanned = 0;
    while (true) {
      const std::size_t available = end_ - pos_;
      if (offset < available) {
        char* start = buffer_.data() + pos_ + offset;
        if (void* nl = std::memchr(start + scanned, '\n', available - offset - scanned))
          return std::string_view(start, static_cast<std::size_t>(static_cast<char*>(nl) - start));
        scanned = available - offset;
        if (scanned >= kMaxLine) return std::string_view(start, scanned);
      }
      if (!fill()) {
        if (offset >= end_ - pos_) return std::nullopt;
        return std::string_view(buffer_.data() + pos_ + offset, end_ - pos_ - offset);
      }
    }
  }
  // Skips to after the next newline (used after an over-long line).
  void skipLine() {
    bool tooLong = false;
    while (auto n = ensureLine(tooLong)) {
      bool hadNewline = pos_ + *n < end_;
      pos_ += *n + (hadNewline ? 1 : 0);
      if (hadNewline || !tooLong) return;
    }
  }

  // RapidJSON stream concept (read-only).
  using Ch = char;
  Ch Peek() {
    if (pos_ == end_ && !fill()) return '\0';
    return buffer_[pos_];
  }
  Ch Take() {
    if (pos_ == end_ && !fill()) return '\0';
    char c = buffer_[pos_++];
    ++consumed_;
    if (c == '\n') ++line_;
    return c;
  }
  std::size_t Tell() const { return consumed_; }
  Ch* PutBegin() { return nullptr; }
  void Put(Ch) {}
  void Flush() {}
  std::size_t PutEnd(Ch*) { return 0; }
  std::size_t line() const { return line_; }
  // Lines consumed outside Take() (blank lines skipped before the content).
  void countLines(std::size_t n) { line_ += n; }

 private:
  // Appends more input after end_, compacting or growing the buffer; false at end of input.
  bool fill() {
    if (eof_) return false;
    if (pos_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (filled_ && buffer_.size() - 1 - end_ < kChunk / 2) buffer_.resize(buffer_.size() * 2);
    filled_ = true;
    std::size_t n = std::fread(buffer_.data() + end_, 1, buffer_.size() - 1 - end_, file_);
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ += n;
    return true;
  }

  std::FILE* file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  std::size_t consumed_ = 0;
  std::size_t line_ = 1;
  bool eof_ = false;
  bool filled_ = false;  // a first read happened (the buffer starts at kFirstChunk)
};

inline bool isBlank(const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  }
  return true;
}

inline std::string tooLongLineMessage() {
  return "line longer than " + std::to_string(kMaxLine >> 20) + " MB";
}

}  // namespace fa::fhir::detail

#pragma once
// One NDJSON line, read the same way on the reader's thread (resource_stream.cpp) and on a
// worker's (parallel_ndjson.h): a blank line, a line taken at a glance (line_triage.h), invalid
// JSON with its message, or a document. Internal to fhir/; one per thread.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "fhir/line_triage.h"
#include "fhir/resource_stream.h"

namespace fa::fhir::detail {

// The quick look pays when most lines are ignored (a hospital export) and costs a second parse
// of every line when they are not (a filtered trial export): it is paused for a while when
// fewer than half of a window's lines were taken at a glance, then tried again.
class QuickLookBudget {
 public:
  bool lookNow();
  void record(bool paid_off);

 private:
  static constexpr std::size_t kWindow = 512;
  static constexpr std::size_t kPause = 16384;
  std::size_t looked_ = 0, paid_ = 0, paused_ = 0;
};

class NdjsonLineReader {
 public:
  enum class Outcome { Blank, TakenAtAGlance, Invalid, Parsed };
  // Whether a line the quick look vouched for is ignored (the sink's or a preparer's answer).
  using Glance = std::function<bool(const QuickResource&)>;

  explicit NdjsonLineReader(bool quick_look);
  ~NdjsonLineReader();
  NdjsonLineReader(const NdjsonLineReader&) = delete;
  NdjsonLineReader& operator=(const NdjsonLineReader&) = delete;

  // `line` holds `length` bytes followed by a '\0' the caller put there (RapidJSON parses in
  // place, changing the line), then `readable_after` - 1 more initialised bytes. On Invalid,
  // `error` holds the message; on Parsed, document() holds the line until the next read.
  Outcome read(char* line, std::size_t length, std::size_t readable_after, const Glance& ignored, std::string& error);
  const rapidjson::Document& document() const { return doc_; }
  // What the parse of the last Parsed line noticed.
  const ParseNotes& notes() const { return notes_; }

 private:
  std::unique_ptr<char[]> pool_block_;
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document doc_;
  ParseNotes notes_;
  std::optional<LineTriage> triage_;
  QuickLookBudget budget_;
};

}  // namespace fa::fhir::detail

#include "fhir/resource_stream.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "common/json_bounded_parse.h"
#include "common/json_depth.h"

namespace fa::fhir {
namespace {

constexpr unsigned kLineFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
constexpr unsigned kStreamFlags = rapidjson::kParseNumbersAsStringsFlag;
// Reads go in chunks of at least half of kChunk once the input proves longer than the first
// read of kFirstChunk: a notification or one page (a few KB) then never maps a megabyte.
constexpr std::size_t kFirstChunk = 64 << 10;
constexpr std::size_t kChunk = 1 << 20;
constexpr std::size_t kMaxLine = 256u << 20;   // one NDJSON resource; anything longer is rejected
constexpr std::size_t kPoolBlock = 64 * 1024;  // first block of the per-line value pool

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

bool isBlank(const char* s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  }
  return true;
}

// "Observation/123", "Observation/123/_history/2" or an absolute URL ending so.
std::pair<std::string, std::string> typeAndId(std::string_view url) {
  if (auto q = url.find('?'); q != std::string_view::npos) url = url.substr(0, q);
  if (auto h = url.find("/_history/"); h != std::string_view::npos) url = url.substr(0, h);
  auto slash = url.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string_view type = url.substr(0, slash);
  if (auto prev = type.rfind('/'); prev != std::string_view::npos) type = type.substr(prev + 1);
  return {std::string(type), std::string(url.substr(slash + 1))};
}

// Collects one Bundle's DELETE entries: they count only when the Bundle is a history Bundle,
// and Bundle.type may come after Bundle.entry in the JSON.
class BundleContext {
 public:
  BundleContext(ResourceSink& sink, std::uint64_t& counter) : sink_(sink), counter_(counter), id_(++counter) {}

  void entry(const JsonValue& e, std::size_t index, const ResourceLocation& bundleWhere) {
    ResourceLocation where = bundleWhere;
    where.entries.push_back(index);
    if (!e.IsObject()) {
      sink_.onInputError(where, "Bundle.entry is not an object");
      return;
    }
    if (const JsonValue* resource = findMember(e, "resource")) {
      if (!resource->IsObject()) {
        sink_.onInputError(where, "Bundle.entry.resource is not an object");
      } else if (stringMember(*resource, "resourceType").value_or("") == "Bundle") {
        readBundle(*resource, where, sink_, counter_);
      } else {
        sink_.onResource(*resource, where, BundlePosition{id_, index});
      }
    }
    const JsonValue* request = findMember(e, "request");
    if (request && request->IsObject() && stringMember(*request, "method").value_or("") == "DELETE") {
      DeleteNotice notice;
      std::tie(notice.resource_type, notice.id) = typeAndId(stringMember(*request, "url").value_or(""));
      notice.position = {id_, index};
      notice.location = where;
      if (const JsonValue* response = findMember(e, "response"); response && response->IsObject()) {
        if (auto modified = stringMember(*response, "lastModified")) {
          if (auto parsed = core::parseFhirDateTime(*modified)) notice.last_modified = core::toSiteTime(*parsed, 0).instant;
        }
      }
      if (notice.id.empty())
        sink_.onInputError(where, "Bundle.entry.request.url names no resource to delete");
      else
        deletes_.push_back(std::move(notice));
    }
  }

  void finish(std::string_view bundleType) {
    if (bundleType != "history") return;
    for (const DeleteNotice& d : deletes_)
      sink_.onDelete(d);
  }

 private:
  ResourceSink& sink_;
  std::uint64_t& counter_;
  std::uint64_t id_;
  std::vector<DeleteNotice> deletes_;
};

// SAX handler for a whole JSON document: top-level members go into a small root document,
// each Bundle.entry into a document of its own that is processed and dropped at once.
class StreamingHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, StreamingHandler> {
 public:
  StreamingHandler(ResourceSink& sink, std::uint64_t& counter, const ResourceLocation& where)
      : sink_(sink), where_(where), bundle_(sink, counter) {}

  bool Null() {
    return scalar([](rapidjson::Document& d) { return d.Null(); });
  }
  bool Bool(bool b) {
    return scalar([b](rapidjson::Document& d) { return d.Bool(b); });
  }
  bool Int(int i) {
    return scalar([i](rapidjson::Document& d) { return d.Int(i); });
  }
  bool Uint(unsigned i) {
    return scalar([i](rapidjson::Document& d) { return d.Uint(i); });
  }
  bool Int64(int64_t i) {
    return scalar([i](rapidjson::Document& d) { return d.Int64(i); });
  }
  bool Uint64(uint64_t i) {
    return scalar([i](rapidjson::Document& d) { return d.Uint64(i); });
  }
  bool Double(double x) {
    return scalar([x](rapidjson::Document& d) { return d.Double(x); });
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return scalar([=](rapidjson::Document& d) { return d.RawNumber(s, n, copy); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (depth_ == 1 && !inEntries_) {
      if (rootKey_ == "resourceType") resourceType_.assign(s, n);
      if (rootKey_ == "type") bundleType_.assign(s, n);
    }
    return scalar([=](rapidjson::Document& d) { return d.String(s, n, copy); });
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (depth_ == 1) rootKey_.assign(s, n);
    return target().Key(s, n, copy);
  }
  bool StartObject() {
    if (tooDeep()) return false;
    if (depth_ == 0) {
      ++depth_;
      return root_.StartObject();
    }
    if (inEntries_ && depth_ == 2) startEntry();
    ++depth_;
    return target().StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    bool ok = target().EndObject(n);
    --depth_;
    if (capturing_ && depth_ == 2) finishEntry();
    return ok;
  }
  bool StartArray() {
    if (tooDeep()) return false;
    if (depth_ == 0) {
      notResource_ = true;
      return false;
    }
    if (depth_ == 1 && rootKey_ == "entry") {
      inEntries_ = true;
      ++depth_;
      return root_.StartArray();
    }
    if (inEntries_ && depth_ == 2) {
      nestedArrayEntry_ = true;  // an array where an entry object belongs: give up on the file
      return false;
    }
    ++depth_;
    return target().StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    if (inEntries_ && depth_ == 1) {
      inEntries_ = false;
      return root_.EndArray(0);
    }
    return target().EndArray(n);
  }

  // After a successful parse: the root resource itself, when it is not a Bundle.
  void finish(ResourceSink& sink) {
    auto done = [](rapidjson::Document&) { return true; };
    root_.Populate(done);
    if (resourceType_ == "Bundle") {
      bundle_.finish(bundleType_);
    } else {
      sink.onResource(root_, where_, std::nullopt);
    }
  }
  // After a parse error: keep what was read (entries already delivered), and the deletes of a
  // Bundle whose type was seen.
  void abandon() { bundle_.finish(bundleType_); }
  bool notResource() const { return notResource_; }
  bool nestedTooDeep() const { return tooDeep_; }
  bool nestedArrayEntry() const { return nestedArrayEntry_; }

 private:
  rapidjson::Document& target() { return capturing_ ? *entry_ : root_; }
  // The reader recurses once per level: stop it before the stack does.
  bool tooDeep() {
    tooDeep_ = static_cast<std::size_t>(depth_) >= common::kMaxJsonDepth;
    return tooDeep_;
  }

  template <typename F>
  bool scalar(F&& emit) {
    if (depth_ == 0) {
      notResource_ = true;
      return false;
    }
    if (inEntries_ && depth_ == 2) {
      // A scalar where an entry object belongs: report it, keep going.
      ResourceLocation where = where_;
      where.entries.push_back(entryIndex_++);
      sink_.onInputError(where, "Bundle.entry is not an object");
      return true;
    }
    return emit(target());
  }

  void startEntry() {
    capturing_ = true;
    entry_ = std::make_unique<rapidjson::Document>();
  }

  void finishEntry() {
    capturing_ = false;
    auto done = [](rapidjson::Document&) { return true; };
    entry_->Populate(done);  // moves the value built from the SAX events into the document
    bundle_.entry(*entry_, entryIndex_++, where_);
    entry_.reset();
  }

  ResourceSink& sink_;
  ResourceLocation where_;
  BundleContext bundle_;
  rapidjson::Document root_;
  std::unique_ptr<rapidjson::Document> entry_;
  std::string rootKey_, resourceType_, bundleType_;
  int depth_ = 0;
  std::size_t entryIndex_ = 0;
  bool inEntries_ = false;
  bool capturing_ = false;
  bool notResource_ = false;
  bool nestedArrayEntry_ = false;
  bool tooDeep_ = false;
};

void deliver(const JsonValue& resource, const ResourceLocation& where, ResourceSink& sink, std::uint64_t& counter) {
  if (!resource.IsObject()) {
    sink.onInputError(where, "not a JSON object (a FHIR resource or Bundle)");
    return;
  }
  auto type = stringMember(resource, "resourceType");
  if (!type) {
    sink.onInputError(where, "no resourceType: not a FHIR resource");
    return;
  }
  if (*type == "Bundle") {
    readBundle(resource, where, sink, counter);
  } else {
    sink.onResource(resource, where, std::nullopt);
  }
}

// The first line is an unfinished JSON value. A pretty-printed document goes on like that, but
// so does NDJSON whose first line was cut short (a truncated export). The next non-blank line
// tells them apart: on its own a complete resource (an object with a resourceType) only in NDJSON.
// Without this, a malformed first line made the whole file one broken document and every valid
// line after it was lost, against docs/contract.md ("every valid record is still written").
bool nextLineIsResource(InputBuffer& in, std::size_t offset) {
  while (auto line = in.peekLine(offset)) {
    if (isBlank(line->data(), line->size())) {
      offset += line->size() + 1;
      continue;
    }
    const std::string text(*line);
    rapidjson::Document doc;
    common::parseBounded<kStreamFlags>(doc, text);
    return !doc.HasParseError() && doc.IsObject() && stringMember(doc, "resourceType").has_value();
  }
  return false;
}

// The quick look pays when most lines are ignored (a hospital export) and costs a second parse
// of every line when they are not (a filtered trial export): it is paused for a while when
// fewer than half of a window's lines were taken at a glance, then tried again.
class QuickLookBudget {
 public:
  bool lookNow() {
    if (paused_ == 0) return true;
    --paused_;
    return false;
  }
  void record(bool paid_off) {
    ++looked_;
    paid_ += paid_off ? 1 : 0;
    if (looked_ < kWindow) return;
    if (paid_ * 2 < looked_) paused_ = kPause;
    looked_ = paid_ = 0;
  }

 private:
  static constexpr std::size_t kWindow = 512;
  static constexpr std::size_t kPause = 16384;
  std::size_t looked_ = 0, paid_ = 0, paused_ = 0;
};

// True when the sink took the line at a glance (fhir/line_triage.h).
bool takenAtAGlance(std::optional<LineTriage>& triage, QuickLookBudget& budget, ResourceSink& sink, std::string_view line,
                    std::size_t readable_after) {
  if (!triage || !budget.lookNow()) return false;
  const std::optional<QuickResource> quick = triage->look(line, readable_after);
  const bool taken = quick && sink.ignoredAtAGlance(*quick);
  budget.record(taken);
  return taken;
}

void readNdjson(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& counter, std::size_t lines_before) {
  // One pool for every line, over a fixed first block: values are freed in bulk after each
  // line and a typical resource (a few KB of values) costs no malloc at all. One Document for
  // every line too, so its parse stack is allocated once.
  std::unique_ptr<char[]> poolBlock(new char[kPoolBlock]);
  rapidjson::MemoryPoolAllocator<> pool(poolBlock.get(), kPoolBlock);
  rapidjson::Document doc(&pool);
  ResourceLocation where{label, lines_before, {}};
  std::optional<LineTriage> triage;
  if (sink.wantsQuickLook()) triage.emplace();
  QuickLookBudget budget;
  bool tooLong = false;
  while (auto length = in.ensureLine(tooLong)) {
    ++where.line;
    if (tooLong) {
      sink.onInputError(where, "line longer than " + std::to_string(kMaxLine >> 20) + " MB");
      in.skipLine();
      continue;
    }
    char* line = in.current();
    line[*length] = '\0';  // insitu parsing needs a terminator; the buffer keeps a spare byte
    if (!isBlank(line, *length) &&
        !takenAtAGlance(triage, budget, sink, std::string_view(line, *length), in.readableAfter(*length))) {
      const common::BoundedParse parsed = common::parseInsituBounded<kLineFlags>(doc, line);
      if (parsed.result.IsError()) {
        sink.onInputError(where,
                          "invalid JSON at column " + std::to_string(parsed.column()) + ": " +
                              (parsed.too_deep ? common::tooDeepMessage() : rapidjson::GetParseError_En(parsed.result.Code())));
      } else {
        deliver(doc, where, sink, counter);
      }
    }
    in.advance(*length + 1);
    doc.SetNull();  // drops the values before their memory goes back to the pool
    pool.Clear();
  }
}

void readDocument(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& counter) {
  ResourceLocation where{label, 0, {}};
  auto handler = std::make_unique<StreamingHandler>(sink, counter, where);
  rapidjson::Reader reader;
  rapidjson::ParseResult result = reader.Parse<kStreamFlags>(in, *handler);
  if (result.IsError()) {
    handler->abandon();
    ResourceLocation at{label, in.line(), {}};
    if (handler->notResource())
      sink.onInputError(at, "not a FHIR resource, Bundle or NDJSON");
    else if (handler->nestedTooDeep())
      sink.onInputError(at, "invalid JSON: " + common::tooDeepMessage());
    else if (handler->nestedArrayEntry())
      sink.onInputError(at, "Bundle.entry holds an array where an entry object belongs");
    else
      sink.onInputError(at, std::string("invalid JSON: ") + rapidjson::GetParseError_En(result.Code()));
    return;
  }
  handler->finish(sink);
}

}  // namespace

std::string ResourceLocation::describe() const {
  std::string out(file);
  if (line > 0) out += " line " + std::to_string(line);
  for (std::size_t e : entries)
    out += " entry " + std::to_string(e);
  return out;
}

void readBundle(const JsonValue& bundle, const ResourceLocation& where, ResourceSink& sink, std::uint64_t& counter) {
  BundleContext context(sink, counter);
  if (const JsonValue* entries = findMember(bundle, "entry")) {
    if (!entries->IsArray()) {
      sink.onInputError(where, "Bundle.entry is not an array");
    } else {
      std::size_t index = 0;
      for (const JsonValue& e : entries->GetArray())
        context.entry(e, index++, where);
    }
  }
  context.finish(stringMember(bundle, "type").value_or(""));
}

void readResources(std::FILE* input, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter) {
  InputBuffer in(input);
  // Skip a byte order mark and blank lines, then look at the first line.
  bool tooLong = false;
  std::optional<std::size_t> length;
  std::size_t blankLines = 0;  // counted, so rejections name the line as the file numbers it
  while ((length = in.ensureLine(tooLong))) {
    char* line = in.current();
    std::size_t skip = 0;
    if (*length >= 3 && std::memcmp(line, "\xEF\xBB\xBF", 3) == 0) skip = 3;
    if (!isBlank(line + skip, *length - skip) || tooLong) {
      in.advance(skip);
      *length -= skip;
      break;
    }
    in.advance(*length + 1);  // a blank line before any content
    ++blankLines;
  }
  if (!length) return;  // empty input: nothing to read
  bool ndjson = false;
  if (!tooLong) {
    // A complete JSON value on the first line means NDJSON (a one-line file is the same thing).
    // An error before the line's end means a malformed NDJSON line; an error exactly at its
    // end means the value goes on: a pretty-printed JSON document.
    std::string first(in.current(), *length);
    rapidjson::Document probe;
    common::parseBounded<kStreamFlags>(probe, first);  // too deep: an error before the end, so NDJSON
    std::size_t content = first.find_last_not_of(" \t\r") + 1;
    ndjson = !probe.HasParseError() || probe.GetErrorOffset() < content || nextLineIsResource(in, *length + 1);
  }
  in.countLines(blankLines);
  if (ndjson)
    readNdjson(in, label, sink, bundle_counter, blankLines);
  else
    readDocument(in, label, sink, bundle_counter);
}

}  // namespace fa::fhir

#include "fhir/resource_stream.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "common/json_bounded_parse.h"
#include "common/json_depth.h"
#include "fhir/input_buffer.h"
#include "fhir/ndjson_line.h"
#include "fhir/parallel_ndjson.h"

namespace fa::fhir {
namespace {

using detail::InputBuffer;
using detail::isBlank;
using detail::kMaxLine;

constexpr unsigned kStreamFlags = rapidjson::kParseNumbersAsStringsFlag;
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

}  // namespace

void deliverResource(const JsonValue& resource, const ResourceLocation& where, ResourceSink& sink, std::uint64_t& counter) {
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

namespace {

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

void readNdjson(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& counter, std::size_t lines_before) {
  detail::NdjsonLineReader reader(sink.wantsQuickLook());
  const detail::NdjsonLineReader::Glance ignored = [&sink](const QuickResource& r) { return sink.ignoredAtAGlance(r); };
  ResourceLocation where{label, lines_before, {}};
  std::string error;
  bool tooLong = false;
  while (auto length = in.ensureLine(tooLong)) {
    ++where.line;
    if (tooLong) {
      sink.onInputError(where, detail::tooLongLineMessage());
      in.skipLine();
      continue;
    }
    char* line = in.current();
    line[*length] = '\0';  // insitu parsing needs a terminator; the buffer keeps a spare byte
    switch (reader.read(line, *length, in.readableAfter(*length), ignored, error)) {
      case detail::NdjsonLineReader::Outcome::Invalid:
        sink.onInputError(where, error);
        break;
      case detail::NdjsonLineReader::Outcome::Parsed:
        deliverResource(reader.document(), where, sink, counter);
        break;
      default:
        break;
    }
    in.advance(*length + 1);
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

void readResources(std::FILE* input, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter,
                   const ReadOptions& options) {
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
  if (ndjson && options.threads > 1 && sink.preparesInParallel())
    detail::readNdjsonInParallel(in, label, sink, bundle_counter, blankLines, options.threads);
  else if (ndjson)
    readNdjson(in, label, sink, bundle_counter, blankLines);
  else
    readDocument(in, label, sink, bundle_counter);
}

}  // namespace fa::fhir

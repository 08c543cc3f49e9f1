#pragma once
// The nesting limit folded into the parse itself, for the hot paths (every NDJSON line of `map`,
// every stored version the daemon recomputes). parseBounded (json_depth.h) scans the text once
// for depth and then parses it: two passes over every byte (bench_map, mixed export: 0.42x the
// plain parse rate with the scan, 0.57x without it). Here RapidJSON's reader feeds the document through a handler that counts
// levels and stops at the first bracket past the limit: one pass, and no value deeper than the
// limit is ever built (docs/fhir-servers.md, "Hostile input").
#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_depth.h"

namespace fa::common {

struct BoundedParse {
  rapidjson::ParseResult result;  // ok, or the parse error and its offset
  bool too_deep = false;          // stopped at the first bracket past the limit
  bool saw_watched_key = false;   // some object had a member named the watched key
  // The 1-based column to report: the offending bracket for too_deep, else RapidJSON's offset.
  std::size_t column() const { return too_deep ? result.Offset() : result.Offset() + 1; }
};

// A SAX handler that builds into a document (its handler methods are public) and refuses to
// open level max_depth + 1. It also notes whether any member name (as decoded) is
// `watched_key`, so that a caller can skip walking the whole document for a rare name.
template <typename Document>
class DepthLimitedBuilder {
 public:
  using Ch = typename Document::Ch;
  using Size = rapidjson::SizeType;
  DepthLimitedBuilder(Document& doc, std::size_t max_depth, std::basic_string_view<Ch> watched_key = {})
      : doc_(doc), max_depth_(max_depth), watched_key_(watched_key) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const Ch* s, Size n, bool copy) { return doc_.RawNumber(s, n, copy); }
  bool String(const Ch* s, Size n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const Ch* s, Size n, bool copy) {
    if (n == watched_key_.size() && !watched_key_.empty() && std::basic_string_view<Ch>(s, n) == watched_key_)
      saw_watched_key_ = true;
    return doc_.Key(s, n, copy);
  }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(Size members) { return leave() && doc_.EndObject(members); }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(Size elements) { return leave() && doc_.EndArray(elements); }

  bool tooDeep() const { return too_deep_; }
  bool sawWatchedKey() const { return saw_watched_key_; }

 private:
  bool enter() {
    if (++depth_ <= max_depth_) return true;
    too_deep_ = true;
    return false;
  }
  bool leave() {
    --depth_;
    return true;
  }

  Document& doc_;
  std::size_t max_depth_;
  std::basic_string_view<Ch> watched_key_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool saw_watched_key_ = false;
};

// Parses `stream` into `doc` under the limit. On an error the document keeps no partial value
// (Populate builds on the document's own stack and moves the root in only on success); check
// the returned result, not doc.HasParseError(), which this path does not set.
template <unsigned Flags, typename Document, typename Stream>
BoundedParse parseStreamBounded(Document& doc, Stream& stream, std::size_t max_depth = kMaxJsonDepth,
                                std::string_view watched_key = {}) {
  DepthLimitedBuilder<Document> builder(doc, max_depth, watched_key);
  BoundedParse out;
  auto generate = [&](Document& /*handler: doc itself, reached through builder*/) {
    rapidjson::GenericReader<typename Document::EncodingType, typename Document::EncodingType> reader;
    out.result = reader.template Parse<Flags>(stream, builder);
    return !out.result.IsError();
  };
  doc.Populate(generate);
  out.too_deep = builder.tooDeep();
  out.saw_watched_key = builder.sawWatchedKey();
  return out;
}

// In place over a NUL-terminated buffer (Flags gains kParseInsituFlag).
template <unsigned Flags, typename Document>
BoundedParse parseInsituBounded(Document& doc, char* text, std::size_t max_depth = kMaxJsonDepth,
                                std::string_view watched_key = {}) {
  rapidjson::GenericInsituStringStream<typename Document::EncodingType> stream(text);
  return parseStreamBounded<Flags | rapidjson::kParseInsituFlag>(doc, stream, max_depth, watched_key);
}

// Over a text that need not be NUL-terminated; strings are copied into the document.
template <unsigned Flags, typename Document>
BoundedParse parseTextBounded(Document& doc, std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  rapidjson::MemoryStream bytes(text.data(), text.size());
  rapidjson::EncodedInputStream<typename Document::EncodingType, rapidjson::MemoryStream> stream(bytes);
  return parseStreamBounded<Flags>(doc, stream, max_depth);
}

}  // namespace fa::common

#include "fhir/bundle_page.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "common/json_depth.h"
#include "fhir/json_text.h"

namespace fa::fhir {
namespace {

struct Span {
  std::size_t begin = 0, end = 0;
};

// SAX pass recording where each Bundle.entry[i].resource object starts and ends in the text.
class SpanFinder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SpanFinder> {
 public:
  explicit SpanFinder(rapidjson::StringStream& stream) : stream_(stream) {}

  bool Default() { return true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    keys_.resize(static_cast<std::size_t>(depth_) + 1);
    keys_[static_cast<std::size_t>(depth_)].assign(s, n);
    return true;
  }
  bool StartObject() {
    ++depth_;
    // depth 1 root, 2 entry array, 3 entry object, 4 resource object
    if (depth_ == 4 && inEntry() && key(3) == "resource") {
      current_ = Span{stream_.Tell() - 1, 0};
      spans_.resize(entryIndex_ + 1);
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (depth_ == 4 && inEntry() && key(3) == "resource") {
      current_.end = stream_.Tell();
      spans_[entryIndex_] = current_;
    }
    if (depth_ == 3 && inEntryArray_) ++entryIndex_;
    --depth_;
    return true;
  }
  bool StartArray() {
    ++depth_;
    if (depth_ == 2 && key(1) == "entry") inEntryArray_ = true;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (depth_ == 2) inEntryArray_ = false;
    --depth_;
    return true;
  }
  const std::vector<Span>& spans() const { return spans_; }

 private:
  bool inEntry() const { return inEntryArray_; }
  std::string_view key(int depth) const {
    return static_cast<std::size_t>(depth) < keys_.size() ? std::string_view(keys_[static_cast<std::size_t>(depth)]) : "";
  }

  rapidjson::StringStream& stream_;
  std::vector<std::string> keys_;
  std::vector<Span> spans_;
  Span current_;
  int depth_ = 0;
  bool inEntryArray_ = false;
  std::size_t entryIndex_ = 0;
};

std::string text(const JsonValue& object, std::string_view name) {
  return std::string(stringMember(object, name).value_or(""));
}

void describeResource(const JsonValue& r, PageEntry& e) {
  e.resource_type = text(r, "resourceType");
  e.id = text(r, "id");
  e.status = text(r, "status");
  if (const JsonValue* meta = findMember(r, "meta"); meta && meta->IsObject()) {
    e.version_id = text(*meta, "versionId");
    if (auto lu = stringMember(*meta, "lastUpdated")) e.last_updated = std::string(*lu);
  }
}

}  // namespace

std::optional<BundlePage> parseBundlePage(std::string_view body, std::string& error) {
  std::string copy(body);  // RapidJSON wants a terminated buffer
  if (auto deep = common::jsonTooDeepAt(copy)) {
    error = "invalid JSON at offset " + std::to_string(*deep) + ": " + common::tooDeepMessage();
    return std::nullopt;
  }
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(copy.c_str(), copy.size());
  if (d.HasParseError()) {
    error = std::string("invalid JSON at offset ") + std::to_string(d.GetErrorOffset()) + ": " +
            rapidjson::GetParseError_En(d.GetParseError());
    return std::nullopt;
  }
  if (!d.IsObject() || !stringMember(d, "resourceType")) {
    error = "not a FHIR resource";
    return std::nullopt;
  }
  BundlePage page;
  page.resource_type = text(d, "resourceType");
  if (page.resource_type != "Bundle") {
    PageEntry e;
    e.resource = body;
    describeResource(d, e);
    page.entries.push_back(std::move(e));
    return page;
  }
  page.bundle_type = text(d, "type");
  if (const JsonValue* links = findMember(d, "link"); links && links->IsArray()) {
    for (const JsonValue& l : links->GetArray()) {
      if (l.IsObject() && stringMember(l, "relation").value_or("") == "next") {
        if (auto url = stringMember(l, "url")) page.next_url = std::string(*url);
      }
    }
  }
  rapidjson::StringStream stream(copy.c_str());
  SpanFinder finder(stream);
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(stream, finder);
  const JsonValue* entries = findMember(d, "entry");
  if (!entries || !entries->IsArray()) return page;
  std::size_t index = 0;
  for (const JsonValue& entry : entries->GetArray()) {
    PageEntry e;
    if (entry.IsObject()) {
      if (const JsonValue* r = findMember(entry, "resource"); r && r->IsObject()) {
        describeResource(*r, e);
        if (index < finder.spans().size() && finder.spans()[index].end > 0) {
          const auto& span = finder.spans()[index];
          e.resource = body.substr(span.begin, span.end - span.begin);
        }
      }
      if (const JsonValue* req = findMember(entry, "request"); req && req->IsObject()) {
        e.request_method = text(*req, "method");
        e.request_url = text(*req, "url");
      }
      if (const JsonValue* resp = findMember(entry, "response"); resp && resp->IsObject()) {
        if (auto lm = stringMember(*resp, "lastModified")) e.response_last_modified = std::string(*lm);
      }
    }
    page.entries.push_back(std::move(e));
    ++index;
  }
  return page;
}

}  // namespace fa::fhir

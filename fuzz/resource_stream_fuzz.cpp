// Every input layout `map` and the poller read: the bytes as a file through readResources
// (NDJSON or a streamed Bundle / resource, detected from the first line) and as one response
// page through parseBundlePage. Entries must point inside the page they came from. The file is
// read twice, with and without the quick look at NDJSON lines (fhir/line_triage.h): both reads
// must report the same events, and simdjson must see the same resourceType and codings as
// RapidJSON on every line it lets a sink take at a glance.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/bundle_page.h"
#include "fhir/observation_facts.h"
#include "fhir/resource_stream.h"
#include "harnesses.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// Reads what a MappingSession would read first, so the values handed over are really used.
class ReadingSink final : public fhir::ResourceSink {
 public:
  void onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                  const std::optional<fhir::BundlePosition>&) override {
    (void)where.describe();
    if (fhir::stringMember(resource, "resourceType") == "Observation") (void)fhir::parseObservation(resource, facts_);
  }
  void onDelete(const fhir::DeleteNotice& notice) override { (void)notice.location.describe(); }
  void onInputError(const fhir::ResourceLocation& where, const std::string& message) override {
    check(!message.empty());
    (void)where.describe();
  }

 private:
  fhir::ObservationFacts facts_;  // reused, as a MappingSession's preparer does
};

// A line is "ignored" unless it is an Observation with a coding whose code is "1975-2"; each
// event is logged with what decided it, so both reads can be compared.
bool wanted(std::string_view type, const std::vector<fhir::CodingView>& codings) {
  if (type != "Observation") return false;
  for (const fhir::CodingView& c : codings) {
    if (c.code == "1975-2") return true;
  }
  return false;
}

std::string glance(std::string_view type, const std::vector<fhir::CodingView>& codings) {
  std::string out("I ");
  out += type;
  for (const fhir::CodingView& c : codings) {
    out += '\0';
    out += c.system;
    out += '|';
    out += c.code;
  }
  return out;
}

class LoggingSink final : public fhir::ResourceSink {
 public:
  explicit LoggingSink(bool quick) : quick_(quick) {}
  void onResource(const fhir::JsonValue& resource, const fhir::ResourceLocation& where,
                  const std::optional<fhir::BundlePosition>& position) override {
    const std::optional<std::string_view> type = fhir::stringMember(resource, "resourceType");
    std::vector<fhir::CodingView> codings;
    fhir::forEachCodeCoding(resource, [&](std::string_view system, std::string_view code) {
      codings.push_back({system, code});
      return false;
    });
    if (!position && type && !wanted(*type, codings))
      log += glance(*type, codings);
    else
      log += "R " + where.describe();
    log += '\n';
  }
  void onDelete(const fhir::DeleteNotice& notice) override { log += "D " + notice.id + '\n'; }
  void onInputError(const fhir::ResourceLocation& where, const std::string& message) override {
    log += "E " + where.describe() + " " + message + '\n';
  }
  bool wantsQuickLook() const override { return quick_; }
  bool ignoredAtAGlance(const fhir::QuickResource& resource) override {
    check(resource.resource_type != "Bundle");
    if (wanted(resource.resource_type, *resource.codings)) return false;
    log += glance(resource.resource_type, *resource.codings) + '\n';
    return true;
  }
  std::string log;

 private:
  bool quick_;
};

// Reads `text` (not empty: fmemopen refuses an empty buffer) as the file fuzz.ndjson.
void readInto(std::string& text, fhir::ResourceSink& sink) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(fmemopen(text.data(), text.size(), "r"), &std::fclose);
  check(file != nullptr);
  std::uint64_t bundles = 0;
  fhir::readResources(file.get(), "fuzz.ndjson", sink, bundles);
}

std::string readLog(std::string text, bool quick) {
  LoggingSink sink(quick);
  readInto(text, sink);
  return sink.log;
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

int fuzzResourceStream(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!text.empty()) {
    // fmemopen refuses an empty buffer; parseBundlePage below still sees the empty input.
    ReadingSink sink;
    readInto(text, sink);
    const std::string original(reinterpret_cast<const char*>(data), size);
    check(readLog(original, false) == readLog(original, true));
  }
  std::string error;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (const auto page = fhir::parseBundlePage(body, error)) {
    for (const fhir::PageEntry& entry : page->entries)
      check(inside(entry.resource, body));
  } else {
    check(!error.empty());
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzResourceStream)

// Every input layout `map` and the poller read: the bytes as a file through readResources
// (NDJSON or a streamed Bundle / resource, detected from the first line) and as one response
// page through parseBundlePage. Entries must point inside the page they came from.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

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
    if (fhir::stringMember(resource, "resourceType") == "Observation") (void)fhir::parseObservation(resource);
  }
  void onDelete(const fhir::DeleteNotice& notice) override { (void)notice.location.describe(); }
  void onInputError(const fhir::ResourceLocation& where, const std::string& message) override {
    check(!message.empty());
    (void)where.describe();
  }
};

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

int fuzzResourceStream(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (!text.empty()) {
    // fmemopen refuses an empty buffer; parseBundlePage below still sees the empty input.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(fmemopen(text.data(), text.size(), "r"), &std::fclose);
    check(file != nullptr);
    ReadingSink sink;
    std::uint64_t bundles = 0;
    fhir::readResources(file.get(), "fuzz.ndjson", sink, bundles);
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

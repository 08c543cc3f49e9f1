#pragma once
// Resource streaming: every FHIR input layout the adapter reads, in bounded memory.
//
// - NDJSON (bulk export): one resource per line, parsed line by line.
// - A JSON document holding a Bundle (searchset, collection, transaction, history,
//   batch-response) or a single resource: parsed with RapidJSON's SAX reader; each
//   Bundle.entry is built as a small DOM of its own and handed over, so a 1 GB Bundle never
//   sits in memory.
// The layout is detected from the first line: a complete JSON value there means NDJSON.
// Numbers are kept as exact text. Not thread-safe; one reader per input.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "fhir/json_text.h"
#include "fhir/line_triage.h"

namespace fa::fhir {

// Where a resource came from, for error messages: "file", "line 7", "entry 3".
struct ResourceLocation {
  std::string_view file;
  std::size_t line = 0;              // NDJSON line (1-based), 0 when not line-based
  std::vector<std::size_t> entries;  // Bundle entry indexes (0-based), outermost first
  std::string describe() const;      // "input.ndjson line 7 entry 2"
};

// Position inside one history Bundle: history Bundles list newest first, so a DELETE without
// a time is newer than the versions after it in the same Bundle.
struct BundlePosition {
  std::uint64_t bundle = 0;  // unique per Bundle within a run
  std::size_t index = 0;
};

struct DeleteNotice {
  std::string resource_type;
  std::string id;
  std::optional<core::InstantMicros> last_modified;  // entry.response.lastModified
  BundlePosition position;
  ResourceLocation location;
};

// What a sink makes of one resource before anything shared is touched (parallel reading).
class PreparedResource {
 public:
  virtual ~PreparedResource() = default;
};

// The part of a sink's work on a resource that reads only what never changes during a read
// (configuration, roster), so that it may run on a worker thread. One per worker, not shared.
// What the reader learnt of a resource while parsing it, so that a preparer can skip work.
struct ParseNotes {
  // False only when no member anywhere in the resource is named "modifierExtension" (as
  // decoded, escapes included): looking for modifier extensions would then walk every value
  // of the resource to find nothing.
  bool may_hold_modifier_extension = true;
};

class ResourcePreparer {
 public:
  virtual ~ResourcePreparer() = default;
  // As ResourceSink::ignoredAtAGlance, but counting nothing: the reader's thread tells the
  // sink afterwards (ResourceSink::takenAtAGlance).
  virtual bool ignoredAtAGlance(const QuickResource& resource) = 0;
  // `resource` is an object with a string resourceType other than Bundle (anything else goes
  // to the sink on the reader's thread). `slot` is this line's: empty, or what this preparer
  // made for an earlier line, to be reused.
  virtual void prepare(const JsonValue& resource, const ParseNotes& notes, std::unique_ptr<PreparedResource>& slot) = 0;
};

class ResourceSink {
 public:
  virtual ~ResourceSink() = default;
  // A resource that is not a Bundle (Bundles are opened and their entries delivered).
  virtual void onResource(const JsonValue& resource, const ResourceLocation& where,
                          const std::optional<BundlePosition>& position) = 0;
  virtual void onDelete(const DeleteNotice& notice) = 0;
  // Input that could not be read as JSON or as a FHIR resource: counted as rejected.
  virtual void onInputError(const ResourceLocation& where, const std::string& message) = 0;

  // The quick look at NDJSON lines (fhir/line_triage.h), for sinks that ignore most resources.
  // A sink that wants it is shown each line simdjson validated as an object with a string
  // resourceType other than Bundle, and returns true when it takes that line as read and
  // ignored (counting it as onResource would have); on false the line is parsed in full and
  // reaches onResource. The reader may skip the look at any line: a sink's counts and output
  // must not depend on it.
  virtual bool wantsQuickLook() const { return false; }
  virtual bool ignoredAtAGlance(const QuickResource& /*resource*/) { return false; }

  // Parallel reading of NDJSON (ReadOptions::threads > 1, docs/architecture.md): a sink that
  // can split onResource in two returns true and a preparer per worker. The workers parse and
  // prepare lines; the reader's thread then hands every outcome to the sink in input order, so
  // counts, messages and arrival order are those of a sequential read: applyPrepared(p, where)
  // must do what onResource(resource, where, std::nullopt) would have done, and
  // takenAtAGlance() what ignoredAtAGlance() counts when it returns true.
  virtual bool preparesInParallel() const { return false; }
  virtual std::unique_ptr<ResourcePreparer> makePreparer() const { return nullptr; }
  virtual void applyPrepared(PreparedResource& /*prepared*/, const ResourceLocation& /*where*/) {}
  virtual void takenAtAGlance() {}
};

struct ReadOptions {
  // Threads that parse NDJSON lines when the sink prepares in parallel; 1 reads on the
  // caller's thread alone. Output is the same for any number.
  unsigned threads = 1;
};

// Reads one input to its end. `bundle_counter` numbers Bundles across all inputs of a run.
void readResources(std::FILE* input, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter,
                   const ReadOptions& options = {});

// A value parsed from the top of an input (an NDJSON line): a Bundle is opened, another
// resource goes to onResource, anything else is an input error.
void deliverResource(const JsonValue& value, const ResourceLocation& where, ResourceSink& sink, std::uint64_t& bundle_counter);

// Opens the entries of a Bundle already in memory (an NDJSON line, a nested Bundle).
void readBundle(const JsonValue& bundle, const ResourceLocation& where, ResourceSink& sink, std::uint64_t& bundle_counter);

}  // namespace fa::fhir

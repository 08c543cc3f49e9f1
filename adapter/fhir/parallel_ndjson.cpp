#include "fhir/parallel_ndjson.h"

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "common/ordered_batches.h"
#include "fhir/json_text.h"
#include "fhir/ndjson_line.h"

namespace fa::fhir::detail {
namespace {

// A batch ends past either limit: enough lines that handing one over costs little against
// reading it, few enough that all batches in flight stay a few megabytes.
constexpr std::size_t kBatchBytes = 256 << 10;
constexpr std::size_t kBatchLines = 1024;

// One line of a batch and what became of it.
struct LineSlot {
  enum class Kind { Pending, TooLong, Blank, TakenAtAGlance, Invalid, Prepared, Deferred, Failed };
  Kind kind = Kind::Pending;
  std::size_t number = 0;                         // line number in the input
  std::size_t offset = 0, length = 0;             // the line's bytes in Batch::text
  std::string error;                              // Invalid: the message
  std::unique_ptr<PreparedResource> prepared;     // Prepared; kept for reuse by the next batch
  std::unique_ptr<rapidjson::Document> deferred;  // Deferred: a Bundle or a non-resource, for the reader
  std::exception_ptr failure;                     // Failed: rethrown on the reader's thread, in order
};

struct Batch {
  std::vector<char> text;  // the lines, each followed by '\0', then LineTriage::kReadAhead zeros
  std::vector<LineSlot> slots;
  std::size_t lines = 0;
};

// What each worker keeps from batch to batch.
struct Worker {
  Worker(std::unique_ptr<ResourcePreparer> p, bool quick_look)
      : preparer(std::move(p)),
        reader(quick_look),
        ignored([this](const QuickResource& r) { return preparer->ignoredAtAGlance(r); }) {}
  std::unique_ptr<ResourcePreparer> preparer;
  NdjsonLineReader reader;
  NdjsonLineReader::Glance ignored;
};

bool isPlainResource(const JsonValue& v) {
  if (!v.IsObject()) return false;
  const std::optional<std::string_view> type = stringMember(v, "resourceType");
  return type && *type != "Bundle";
}

void prepareLine(Batch& b, LineSlot& s, NdjsonLineReader& reader, const NdjsonLineReader::Glance& ignored,
                 ResourcePreparer& preparer) {
  if (s.kind == LineSlot::Kind::TooLong) return;
  try {
    char* line = b.text.data() + s.offset;
    switch (reader.read(line, s.length, b.text.size() - s.offset - s.length, ignored, s.error)) {
      case NdjsonLineReader::Outcome::Blank:
        s.kind = LineSlot::Kind::Blank;
        return;
      case NdjsonLineReader::Outcome::TakenAtAGlance:
        s.kind = LineSlot::Kind::TakenAtAGlance;
        return;
      case NdjsonLineReader::Outcome::Invalid:
        s.kind = LineSlot::Kind::Invalid;
        return;
      case NdjsonLineReader::Outcome::Parsed:
        break;
    }
    if (isPlainResource(reader.document())) {
      preparer.prepare(reader.document(), reader.notes(), s.prepared);
      s.kind = LineSlot::Kind::Prepared;
      return;
    }
    // Rare (a Bundle on a line, a value that is no resource): delivered whole on the reader's
    // thread, which numbers Bundles and reports errors in order. The copy's strings still
    // point into the batch's text (parsed in place), which stays until the batch is applied.
    s.deferred = std::make_unique<rapidjson::Document>();
    s.deferred->CopyFrom(static_cast<const JsonValue&>(reader.document()), s.deferred->GetAllocator());
    s.kind = LineSlot::Kind::Deferred;
  } catch (...) {
    s.failure = std::current_exception();
    s.kind = LineSlot::Kind::Failed;
  }
}

LineSlot& nextSlot(Batch& b) {
  if (b.lines == b.slots.size()) b.slots.emplace_back();
  LineSlot& s = b.slots[b.lines++];
  s.kind = LineSlot::Kind::Pending;
  s.deferred.reset();
  s.failure = nullptr;
  return s;
}

// Copies the next lines into `b`; false once the input has no more lines.
bool fillBatch(InputBuffer& in, Batch& b, std::size_t& line_number) {
  b.text.clear();
  b.lines = 0;
  bool more = true;
  bool tooLong = false;
  while (b.text.size() < kBatchBytes && b.lines < kBatchLines) {
    const std::optional<std::size_t> length = in.ensureLine(tooLong);
    if (!length) {
      more = false;
      break;
    }
    LineSlot& s = nextSlot(b);
    s.number = ++line_number;
    if (tooLong) {
      s.kind = LineSlot::Kind::TooLong;
      in.skipLine();
      continue;
    }
    s.offset = b.text.size();
    s.length = *length;
    b.text.insert(b.text.end(), in.current(), in.current() + *length);
    b.text.push_back('\0');  // insitu parsing needs a terminator
    in.advance(*length + 1);
  }
  b.text.insert(b.text.end(), LineTriage::kReadAhead, '\0');  // the quick look reads in place
  return more;
}

void applyBatch(Batch& b, ResourceSink& sink, ResourceLocation& where, std::uint64_t& bundle_counter) {
  for (std::size_t i = 0; i < b.lines; ++i) {
    LineSlot& s = b.slots[i];
    where.line = s.number;
    switch (s.kind) {
      case LineSlot::Kind::TooLong:
        sink.onInputError(where, tooLongLineMessage());
        break;
      case LineSlot::Kind::TakenAtAGlance:
        sink.takenAtAGlance();
        break;
      case LineSlot::Kind::Invalid:
        sink.onInputError(where, s.error);
        break;
      case LineSlot::Kind::Prepared:
        sink.applyPrepared(*s.prepared, where);
        break;
      case LineSlot::Kind::Deferred:
        deliverResource(*s.deferred, where, sink, bundle_counter);
        s.deferred.reset();
        break;
      case LineSlot::Kind::Failed:
        std::rethrow_exception(s.failure);
      case LineSlot::Kind::Pending:
      case LineSlot::Kind::Blank:
        break;
    }
  }
}

}  // namespace

void readNdjsonInParallel(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter,
                          std::size_t lines_before, unsigned threads) {
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(sink.makePreparer(), sink.wantsQuickLook()));
  common::OrderedBatches<Batch> batches(threads, [&workers](Batch& b, std::size_t w) {
    Worker& worker = *workers[w];
    for (std::size_t i = 0; i < b.lines; ++i)
      prepareLine(b, b.slots[i], worker.reader, worker.ignored, *worker.preparer);
  });
  ResourceLocation where{label, lines_before, {}};
  const auto apply = [&](Batch& b) { applyBatch(b, sink, where, bundle_counter); };
  std::size_t lineNumber = lines_before;
  bool more = true;
  while (more) {
    Batch& b = batches.next(apply);
    more = fillBatch(in, b, lineNumber);
    if (b.lines > 0) batches.submit();
  }
  batches.drain(apply);
}

}  // namespace fa::fhir::detail

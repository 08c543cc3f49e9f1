#include "fhir/parallel_ndjson.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  std::size_t number = 0;             // line number in the input
  std::size_t offset = 0, length = 0;  // the line's bytes in Batch::text
  std::string error;                   // Invalid: the message
  std::unique_ptr<PreparedResource> prepared;        // Prepared; kept for reuse by the next batch
  std::unique_ptr<rapidjson::Document> deferred;     // Deferred: a Bundle or a non-resource, for the reader
  std::exception_ptr failure;                        // Failed: rethrown on the reader's thread, in order
};

struct Batch {
  std::vector<char> text;  // the lines, each followed by '\0', then LineTriage::kReadAhead zeros
  std::vector<LineSlot> slots;
  std::size_t lines = 0;
  bool done = false;  // guarded by WorkQueue's mutex
};

// Batches waiting for a worker, and a signal when one is done. Workers stop at stop().
class WorkQueue {
 public:
  void push(Batch& b) {
    {
      std::lock_guard lock(mutex_);
      b.done = false;
      pending_.push_back(&b);
    }
    work_.notify_one();
  }
  Batch* pop() {
    std::unique_lock lock(mutex_);
    work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (stopping_) return nullptr;
    Batch* b = pending_.front();
    pending_.pop_front();
    return b;
  }
  void markDone(Batch& b) {
    {
      std::lock_guard lock(mutex_);
      b.done = true;
    }
    done_.notify_all();
  }
  void waitDone(const Batch& b) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return b.done; });
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<Batch*> pending_;
  bool stopping_ = false;
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
      preparer.prepare(reader.document(), s.prepared);
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

void work(WorkQueue& queue, ResourcePreparer& preparer, bool quick_look) {
  NdjsonLineReader reader(quick_look);
  const NdjsonLineReader::Glance ignored = [&preparer](const QuickResource& r) { return preparer.ignoredAtAGlance(r); };
  while (Batch* b = queue.pop()) {
    for (std::size_t i = 0; i < b->lines; ++i)
      prepareLine(*b, b->slots[i], reader, ignored, preparer);
    queue.markDone(*b);
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

// Stops and joins the workers however the read ends (an exception from the sink included).
class Workers {
 public:
  Workers(WorkQueue& queue, std::vector<std::unique_ptr<ResourcePreparer>>& preparers, bool quick_look) : queue_(queue) {
    for (auto& p : preparers)
      threads_.emplace_back(work, std::ref(queue), std::ref(*p), quick_look);
  }
  ~Workers() {
    queue_.stop();
    for (std::thread& t : threads_)
      t.join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

 private:
  WorkQueue& queue_;
  std::vector<std::thread> threads_;
};

}  // namespace

void readNdjsonInParallel(InputBuffer& in, std::string_view label, ResourceSink& sink, std::uint64_t& bundle_counter,
                          std::size_t lines_before, unsigned threads) {
  std::vector<std::unique_ptr<ResourcePreparer>> preparers;
  for (unsigned t = 0; t < threads; ++t)
    preparers.push_back(sink.makePreparer());
  // Two batches per worker: one being worked on, one waiting; and the one being applied.
  const std::size_t inFlight = 2 * std::size_t{threads} + 1;
  std::vector<Batch> batches(inFlight);
  WorkQueue queue;
  Workers workers(queue, preparers, sink.wantsQuickLook());
  ResourceLocation where{label, lines_before, {}};
  std::size_t lineNumber = lines_before;
  std::size_t oldest = 0, queued = 0;
  bool more = true;
  while (more || queued > 0) {
    if (more && queued < inFlight) {
      Batch& b = batches[(oldest + queued) % inFlight];
      more = fillBatch(in, b, lineNumber);
      if (b.lines > 0) {
        queue.push(b);
        ++queued;
      }
      continue;
    }
    Batch& b = batches[oldest];
    queue.waitDone(b);
    applyBatch(b, sink, where, bundle_counter);
    oldest = (oldest + 1) % inFlight;
    --queued;
  }
}

}  // namespace fa::fhir::detail

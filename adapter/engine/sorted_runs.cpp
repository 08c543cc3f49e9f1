#include "engine/sorted_runs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>

namespace fa::engine {
namespace {

// Held entries live in blocks: the first is small and each next one twice the last, up to
// kBlock. A session that holds a handful of records (a notification, one search page, a fuzz
// input) then never maps and unmaps a megabyte, which costs more than the records themselves.
constexpr std::size_t kFirstBlock = 16 << 10;
constexpr std::size_t kBlock = 1 << 20;
constexpr std::size_t kIoBuffer = 256 << 10;  // per run, when writing and when merging

[[noreturn]] void ioFailure(const std::string& what) {
  throw std::runtime_error("spilling records to a temporary file: " + what + ": " + std::strerror(errno));
}

int openUnlinkedFile(const std::string& directory) {
  std::string dir = directory;
  if (dir.empty()) dir = std::getenv("TMPDIR") && *std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  std::string pattern = dir + "/fhir-adapter-run-XXXXXX";
  const int fd = mkstemp(pattern.data());
  if (fd < 0) ioFailure("cannot create one in " + dir);
  unlink(pattern.c_str());  // no name: the file goes away with the descriptor, even on a crash
  return fd;
}

void writeAll(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ioFailure("write failed");
    data += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Eight bytes of `key` from `from` as a big-endian number, zero-padded past its end: numbers
// that differ order as the keys do, so most comparisons end with one integer compare.
std::uint64_t prefixOf(std::string_view key, std::size_t from) {
  if (key.size() >= from + 8) {
    std::uint64_t p;
    std::memcpy(&p, key.data() + from, sizeof p);
    if constexpr (std::endian::native == std::endian::little) p = __builtin_bswap64(p);  // first byte highest
    return p;
  }
  std::uint64_t p = 0;
  for (std::size_t i = from; i < from + 8; ++i)
    p = (p << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
  return p;
}

// Reads one run back entry by entry: [u32 key length][u32 payload length][key][payload] ...
class RunReader {
 public:
  explicit RunReader(int fd) : fd_(fd) {
    if (::lseek(fd_, 0, SEEK_SET) != 0) ioFailure("rewind failed");
    buffer_.resize(kIoBuffer);
  }
  // The next entry (valid until the next call), or false at the end of the run. An entry that
  // lies whole in the buffer is viewed there; only one that straddles a refill is copied, into
  // `scratch`.
  bool next(std::string& scratch, std::string_view& entry, std::size_t& key_size) {
    std::uint32_t sizes[2] = {0, 0};
    if (!read(reinterpret_cast<char*>(sizes), sizeof sizes, true)) return false;
    key_size = sizes[0];
    const std::size_t size = std::size_t{sizes[0]} + sizes[1];
    if (end_ - pos_ >= size) {
      entry = std::string_view(buffer_.data() + pos_, size);
      pos_ += size;
      return true;
    }
    scratch.resize(size);
    read(scratch.data(), size, false);
    entry = scratch;
    return true;
  }

 private:
  bool read(char* out, std::size_t n, bool end_allowed) {
    while (n > 0) {
      if (pos_ == end_ && !fill()) {
        if (end_allowed) return false;
        throw std::runtime_error("spilling records to a temporary file: a run ends early");
      }
      const std::size_t take = std::min(n, end_ - pos_);
      std::memcpy(out, buffer_.data() + pos_, take);
      pos_ += take;
      out += take;
      n -= take;
      end_allowed = false;
    }
    return true;
  }
  bool fill() {
    ssize_t r;
    do {
      r = ::read(fd_, buffer_.data(), buffer_.size());
    } while (r < 0 && errno == EINTR);
    if (r < 0) ioFailure("read failed");
    pos_ = 0;
    end_ = static_cast<std::size_t>(r);
    return r > 0;
  }

  int fd_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
};

}  // namespace

// A run being sorted and written on a thread of its own, with the blocks its entries live in.
struct SortedRuns::Spill {
  std::vector<Held> held;
  std::vector<Block> blocks;
  int fd = -1;
  std::exception_ptr failure;
  std::atomic<bool> stop{false};
  bool written = false;               // every entry is on file (read after the writer is joined)
  std::size_t bytes = 0;              // what its entries cost while held
  std::atomic<bool> finished{false};  // the writer is done, whether it wrote everything or not
  std::thread writer;

  // Raises the flag that stops the writing at its next chunk, and waits for the writer.
  void stopWriting() {
    stop.store(true, std::memory_order_relaxed);
    stop.notify_all();
    writer.join();
  }
};

void RunBlockPool::give(RunBlock block) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (bytes_ + block.size > limit_) return;  // freed here
  bytes_ += block.size;
  blocks_.push_back(std::move(block));
}

RunBlock RunBlockPool::take(std::size_t size) {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = blocks_.size(); i-- > 0;) {
    if (blocks_[i].size < size) continue;
    RunBlock b = std::move(blocks_[i]);
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
    bytes_ -= b.size;
    return b;
  }
  return {};
}

std::size_t RunBlockPool::bytes() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

SortedRuns::SortedRuns(std::size_t budget_bytes, std::string directory, std::shared_ptr<RunBlockPool> pool)
    : budget_(std::max<std::size_t>(budget_bytes, 1)),
      directory_(std::move(directory)),
      // A run of its own keeps what its spills empty, as much as it holds while spilling.
      pool_(pool ? std::move(pool) : std::make_shared<RunBlockPool>(2 * budget_ + 2 * kBlock)) {}

SortedRuns::~SortedRuns() {
  if (spilling_) spilling_->stopWriting();  // nothing will be read; its failure no longer matters
  for (int fd : runs_)
    ::close(fd);
}

void SortedRuns::add(std::string_view key, std::string_view payload) {
  if (key.size() > UINT32_MAX || payload.size() > UINT32_MAX) throw std::runtime_error("a record is too large to hold");
  const std::size_t size = key.size() + payload.size();
  const std::size_t cost = size + sizeof(Held);
  if (!held_.empty() && spillBefore(cost)) spill();
  char* at = reserve(size);
  std::memcpy(at, key.data(), key.size());
  std::memcpy(at + key.size(), payload.data(), payload.size());
  held_.push_back({at,
                   static_cast<std::uint32_t>(key.size()),
                   static_cast<std::uint32_t>(payload.size()),
                   {prefixOf(key, 0), prefixOf(key, 8)}});
  held_bytes_ += cost;
  ++count_;
}

// When to sort and write what is held. With the writer idle: at half the budget, so that it
// starts early and each run is short. While a run is being written: only when that run and the
// entries held would pass twice the budget, the peak the budget allows; until then adding goes
// on. Waiting for the writer at the budget left one core idle for about 50 ms of a 256 MB
// trial-only map (bench/README.md). Where runs end depends on the writer's speed, what forEach()
// gives does not: each run holds consecutive entries, and runs are merged in their order.
bool SortedRuns::spillBefore(std::size_t cost) const {
  const std::size_t held = held_bytes_ + cost;
  if (spilling_ && !spilling_->finished.load(std::memory_order_acquire)) return held + spilling_->bytes > 2 * budget_;
  return held > budget_ / 2;
}

char* SortedRuns::reserve(std::size_t size) {
  if (block_used_ + size > block_size_) {
    if (RunBlock pooled = pool_->take(size); pooled.data) {
      blocks_.push_back(std::move(pooled));
    } else {
      // Small blocks first, unless this run has spilled already: then it is a large one.
      const std::size_t grown = block_size_ == 0 ? kFirstBlock : std::min(block_size_ * 2, kBlock);
      const std::size_t want = std::max(runs_.empty() ? grown : kBlock, size);
      blocks_.push_back({std::unique_ptr<char[]>(new char[want]), want});  // not make_unique: that would zero it
    }
    block_size_ = blocks_.back().size;
    block_used_ = 0;
  }
  char* at = blocks_.back().data.get() + block_used_;
  block_used_ += size;
  return at;
}

void SortedRuns::sortEntries(std::vector<Held>& held) {
  std::stable_sort(held.begin(), held.end(), [](const Held& a, const Held& b) {
    if (a.prefix[0] != b.prefix[0]) return a.prefix[0] < b.prefix[0];
    if (a.prefix[1] != b.prefix[1]) return a.prefix[1] < b.prefix[1];
    // The first 16 bytes are equal (or one key is shorter and zero-padded): the rest decides.
    const std::size_t skip = std::min<std::size_t>({16, a.key_size, b.key_size});
    return std::string_view(a.data + skip, a.key_size - skip) < std::string_view(b.data + skip, b.key_size - skip);
  });
}

void SortedRuns::returnToPool(std::vector<Block>& blocks) {
  for (Block& b : blocks)
    pool_->give(std::move(b));
  blocks.clear();
}

void SortedRuns::releaseHeld() {
  held_.clear();
  held_.shrink_to_fit();
  returnToPool(blocks_);
  block_used_ = block_size_ = 0;
  held_bytes_ = 0;
}

bool SortedRuns::writeRun(int fd, const std::vector<Held>& held, const std::atomic<bool>& stop) {
  std::string out;
  out.reserve(kIoBuffer + 8);
  for (const Held& h : held) {
    const std::uint32_t sizes[2] = {h.key_size, h.payload_size};
    out.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
    out.append(h.data, std::size_t{h.key_size} + h.payload_size);
    if (out.size() >= kIoBuffer) {
      if (stop.load(std::memory_order_relaxed)) return false;
      writeAll(fd, out.data(), out.size());
      out.clear();
    }
  }
  if (stop.load(std::memory_order_relaxed)) return false;
  writeAll(fd, out.data(), out.size());
  return true;
}

// The held entries go to a writer thread, so that adding goes on while they are sorted and
// written: the thread that adds (the engine's only one at that point) is what the whole run
// waits for. One spill at a time: the one before is waited for first.
void SortedRuns::spill() {
  awaitSpill();
  auto job = std::make_unique<Spill>();
  job->fd = openUnlinkedFile(directory_);
  runs_.push_back(job->fd);  // runs stay in the order they were spilled (stability)
  job->bytes = held_bytes_;
  job->held.swap(held_);
  job->blocks.swap(blocks_);
  held_.reserve(job->held.size());
  block_used_ = block_size_ = 0;
  held_bytes_ = 0;
  Spill* j = job.get();
  j->writer = std::thread([j, hook = before_write_] {
    try {
      sortEntries(j->held);
      if (hook) hook(j->stop);
      j->written = writeRun(j->fd, j->held, j->stop);
    } catch (...) {
      j->failure = std::current_exception();
    }
    j->finished.store(true, std::memory_order_release);
  });
  spilling_ = std::move(job);
}

void SortedRuns::awaitSpill() {
  if (!spilling_) return;
  spilling_->writer.join();
  const std::unique_ptr<Spill> done = std::move(spilling_);
  returnToPool(done->blocks);  // filled again before any new block is allocated
  if (done->failure) std::rethrow_exception(done->failure);
}

std::unique_ptr<SortedRuns::Spill> SortedRuns::stopSpill() {
  if (!spilling_) return nullptr;
  spilling_->stopWriting();
  std::unique_ptr<Spill> done = std::move(spilling_);
  if (done->failure) std::rethrow_exception(done->failure);
  if (done->written) {  // whole on file before the flag was seen: read back like the others
    returnToPool(done->blocks);
    return nullptr;
  }
  runs_.pop_back();  // the last one spilled
  ::close(done->fd);
  return done;
}

void SortedRuns::forEach(const std::function<void(std::string_view, std::string_view)>& visit) {
  // Waiting for the last run's write and reading it back stalled the merge, which the whole
  // engine waits for: about 25 ms of a 0.4 s trial-only `map` with one core idle
  // (bench/README.md).
  const std::unique_ptr<Spill> unwritten = stopSpill();
  sortEntries(held_);
  // The runs on file, the one stopped while being written, then the entries still held: the
  // order they were added in (stability). The last two are merged from memory, which saves
  // writing and reading back up to twice a budget's worth.
  std::vector<const std::vector<Held>*> inMemory;
  if (unwritten) inMemory.push_back(&unwritten->held);
  if (!held_.empty()) inMemory.push_back(&held_);
  if (runs_.empty() && inMemory.size() <= 1) {  // one sorted source: no merge
    for (const std::vector<Held>* entries : inMemory) {
      for (const Held& h : *entries)
        visit(std::string_view(h.data, h.key_size), std::string_view(h.data + h.key_size, h.payload_size));
    }
  } else {
    mergeSources(inMemory, visit);
  }
  for (int fd : runs_)
    ::close(fd);
  runs_.clear();
  if (unwritten) returnToPool(unwritten->blocks);
  releaseHeld();
}

void SortedRuns::mergeSources(const std::vector<const std::vector<Held>*>& in_memory,
                              const std::function<void(std::string_view, std::string_view)>& visit) {
  struct Source {
    std::optional<RunReader> reader;          // a file run
    const std::vector<Held>* held = nullptr;  // else entries in memory
    std::string scratch;                      // a file run's entry that straddled a refill
    std::size_t next_held = 0;
    std::string_view key, payload;
    std::uint64_t prefix = 0;  // of key
  };
  std::vector<Source> sources(runs_.size() + in_memory.size());
  for (std::size_t i = 0; i < runs_.size(); ++i)
    sources[i].reader.emplace(runs_[i]);
  for (std::size_t i = 0; i < in_memory.size(); ++i)
    sources[runs_.size() + i].held = in_memory[i];
  auto advance = [](Source& s) {
    if (s.reader) {
      std::size_t keySize = 0;
      std::string_view entry;
      if (!s.reader->next(s.scratch, entry, keySize)) return false;
      s.key = entry.substr(0, keySize);
      s.payload = entry.substr(keySize);
      s.prefix = prefixOf(s.key, 0);
      return true;
    }
    if (s.next_held == s.held->size()) return false;
    const Held& h = (*s.held)[s.next_held++];
    s.key = std::string_view(h.data, h.key_size);
    s.payload = std::string_view(h.data + h.key_size, h.payload_size);
    s.prefix = h.prefix[0];
    return true;
  };
  // Source a's entry goes before b's: the smaller key, between equal keys the earlier source
  // (stability).
  auto before = [&](std::size_t a, std::size_t b) {
    const Source &x = sources[a], &y = sources[b];
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    const int c = x.key.compare(y.key);
    return c != 0 ? c < 0 : a < b;
  };
  std::vector<std::size_t> heap;  // a binary min-heap of sources by `before`
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (advance(sources[i])) heap.push_back(i);
  }
  // The entry at `at` sinks to its place below.
  auto sink = [&](std::size_t at) {
    for (;;) {
      std::size_t least = at;
      for (std::size_t child = 2 * at + 1; child <= 2 * at + 2 && child < heap.size(); ++child) {
        if (before(heap[child], heap[least])) least = child;
      }
      if (least == at) return;
      std::swap(heap[at], heap[least]);
      at = least;
    }
  };
  for (std::size_t i = heap.size() / 2; i-- > 0;)
    sink(i);
  // The root is replaced in place and sinks, rather than popped and pushed back: half the
  // comparisons per entry, on the thread that all of finish() waits for.
  while (!heap.empty()) {
    Source& s = sources[heap.front()];
    visit(s.key, s.payload);
    if (!advance(s)) {
      heap.front() = heap.back();
      heap.pop_back();
    }
    sink(0);
  }
}

}  // namespace fa::engine

#pragma once
// SortedRuns: an external sort of byte entries within a memory budget.
//
// Entries (a key and a payload) are added in any order and come out ordered by their keys'
// bytes (as std::string compares them); equal keys keep the order in which they were added
// (a stable sort, runs merged in order). Past half the budget the entries held are sorted and
// written to an unlinked temporary file (a "run"), and forEach() merges every run (k-way) into
// one sorted stream. A run is sorted and written on a thread of its own while adding goes on;
// adding waits for it only when the run being written and the entries held would pass twice
// the budget, so memory peaks there. A run still being written when forEach() starts is merged
// from memory instead: its writing is stopped, not waited for and read back. Below half the
// budget nothing touches the disk. This is
// the engine's only I/O, and it is private to one session: the files have no name (unlinked
// at once), so nothing is left behind.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace fa::engine {

// A block that held entries, kept for filling again: the first write to a fresh block's pages
// costs a page fault per 4 KB (glibc maps blocks this large afresh on every allocation), which
// on a virtual machine took more than a third of the thread that fills the output run
// (bench/README.md).
struct RunBlock {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
};

// Blocks that a sorted run is done with (those a spill has written, all of them after forEach),
// for the same run or another of the same session (the records in output order fill what the
// versions by id left). Thread-safe; holds at most `limit` bytes and frees the rest.
class RunBlockPool {
 public:
  explicit RunBlockPool(std::size_t limit) : limit_(limit) {}
  void give(RunBlock block);
  // A block of at least `size` bytes, or one with no data when the pool has none that large.
  RunBlock take(std::size_t size);
  std::size_t bytes() const;  // what the pool holds now

 private:
  mutable std::mutex mutex_;
  std::vector<RunBlock> blocks_;
  std::size_t bytes_ = 0, limit_;
};

class SortedRuns {
 public:
  // `budget_bytes`: with no run being written, the held entries are spilled past half of it; a
  // run being written and the entries held never pass twice it (sorted_runs.cpp, spillBefore);
  // `directory`: where the temporary files go ("" = $TMPDIR, else /tmp); `pool` is where blocks
  // come from before any is allocated, and where they go once a spill has written them or
  // forEach() is done with them (none given: a pool of the run's own).
  SortedRuns(std::size_t budget_bytes, std::string directory, std::shared_ptr<RunBlockPool> pool = nullptr);
  ~SortedRuns();
  SortedRuns(const SortedRuns&) = delete;
  SortedRuns& operator=(const SortedRuns&) = delete;

  void add(std::string_view key, std::string_view payload);
  // Every entry in key order, once, as (key, payload); the runs are consumed. The entries still
  // held are merged from memory (they stay until the end), the spilled runs from their files. Throws
  // std::runtime_error when a temporary file cannot be written or read back.
  void forEach(const std::function<void(std::string_view, std::string_view)>& visit);

  std::size_t size() const { return count_; }
  std::size_t spilledRuns() const { return runs_.size(); }

  // For tests: called on the writer thread once a run is sorted, before any of it is written,
  // with the flag forEach() raises to stop the writing; a test waits on it to make the run
  // still unwritten when forEach() starts.
  using BeforeWrite = std::function<void(const std::atomic<bool>& stop)>;
  void setBeforeWrite(BeforeWrite hook) { before_write_ = std::move(hook); }

 private:
  struct Held {
    const char* data;  // key, then payload
    std::uint32_t key_size, payload_size;
    std::uint64_t prefix[2];  // the key's first 16 bytes (zero-padded), big-endian: most comparisons end here
  };
  using Block = RunBlock;
  struct Spill;
  void spill();
  void awaitSpill();  // rethrows the writer's failure
  bool spillBefore(std::size_t cost) const;
  static void sortEntries(std::vector<Held>& held);
  // False when `stop` was raised before every entry was written.
  static bool writeRun(int fd, const std::vector<Held>& held, const std::atomic<bool>& stop);
  // The run being written, if forEach() stopped it before it was whole: then its file is
  // dropped and its entries (sorted, still held) are merged from memory.
  std::unique_ptr<Spill> stopSpill();
  // Merges the runs on file, then `in_memory` (sorted), in that order between equal keys.
  void mergeSources(const std::vector<const std::vector<Held>*>& in_memory,
                    const std::function<void(std::string_view, std::string_view)>& visit);
  void releaseHeld();
  void returnToPool(std::vector<Block>& blocks);
  char* reserve(std::size_t size);

  std::size_t budget_;
  std::string directory_;
  std::shared_ptr<RunBlockPool> pool_;
  std::vector<Block> blocks_;  // held entries live here and never move
  std::size_t block_used_ = 0, block_size_ = 0;
  std::vector<Held> held_;
  std::size_t held_bytes_ = 0;
  std::vector<int> runs_;            // file descriptors of the spilled runs
  std::unique_ptr<Spill> spilling_;  // the run being written, if any
  std::size_t count_ = 0;
  BeforeWrite before_write_;
};

}  // namespace fa::engine

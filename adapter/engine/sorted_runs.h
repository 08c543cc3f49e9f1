#pragma once
// SortedRuns: an external sort of byte entries within a memory budget.
//
// Entries (a key and a payload) are added in any order and come out ordered by their keys'
// bytes (as std::string compares them); equal keys keep the order in which they were added
// (a stable sort, runs merged in order). Past the budget the entries held are sorted and written to an
// unlinked temporary file (a "run"), and forEach() merges every run (k-way) into one sorted
// stream. A run is sorted and written on a thread of its own while adding goes on, so memory
// peaks at twice the budget (the run being written and the entries held). Below the budget
// nothing touches the disk. This is the engine's only I/O, and it is
// private to one session: the files have no name (unlinked at once), so nothing is left behind.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fa::engine {

class SortedRuns {
 public:
  // `budget_bytes`: what the held entries may take before they are spilled; `directory`: where
  // the temporary files go ("" = $TMPDIR, else /tmp).
  SortedRuns(std::size_t budget_bytes, std::string directory);
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

 private:
  struct Held {
    const char* data;  // key, then payload
    std::uint32_t key_size, payload_size;
    std::uint64_t prefix[2];  // the key's first 16 bytes (zero-padded), big-endian: most comparisons end here
  };
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  struct Spill;
  void spill();
  void awaitSpill();  // rethrows the writer's failure
  static void sortEntries(std::vector<Held>& held);
  static void writeRun(int fd, const std::vector<Held>& held);
  void releaseHeld();
  char* reserve(std::size_t size);

  std::size_t budget_;
  std::string directory_;
  std::vector<Block> blocks_;  // held entries live here and never move
  // Blocks emptied by a spill, filled again before any new one is allocated: a fresh block
  // costs a page fault per 4 KB (glibc maps blocks this large afresh on every allocation).
  std::vector<Block> spare_;
  std::size_t block_used_ = 0, block_size_ = 0;
  std::vector<Held> held_;
  std::size_t held_bytes_ = 0;
  std::vector<int> runs_;            // file descriptors of the spilled runs
  std::unique_ptr<Spill> spilling_;  // the run being written, if any
  std::size_t count_ = 0;
};

}  // namespace fa::engine

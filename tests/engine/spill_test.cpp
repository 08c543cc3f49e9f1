// Past its memory budget a MappingSession spills sorted runs to temporary files and merges them
// back (engine/sorted_runs.h); versions, selection, baseline and grades must come out exactly as
// when everything fits in memory. The budgets here are forced tiny so that every test spills.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/record_codec.h"
#include "engine/record_writer.h"
#include "engine/session_fixture.h"
#include "engine/sorted_runs.h"

namespace fa::test {
namespace {

// Entries written "a1": key "a", payload "1".
void add(engine::SortedRuns& runs, std::string_view entry) {
  runs.add(entry.substr(0, 1), entry.substr(1));
}

// A record's bytes as the session keeps them.
std::string encoded(const engine::OutcomeRecord& r) {
  std::string bytes;
  engine::ByteWriter w(bytes);
  engine::encodeRecord(w, r);
  w.flush();
  return bytes;
}

std::vector<std::string> drain(engine::SortedRuns& runs) {
  std::vector<std::string> out;
  runs.forEach([&](std::string_view key, std::string_view payload) { out.push_back(std::string(key) + std::string(payload)); });
  return out;
}

TEST(SortedRuns, UnderTheBudgetNothingSpills) {
  engine::SortedRuns runs(1 << 20, "");
  for (const char* e : {"c1", "a1", "b1", "a2"})
    add(runs, e);
  EXPECT_EQ(runs.spilledRuns(), 0u);
  // Sorted by the first byte; the two "a" entries keep the order they were added in.
  EXPECT_EQ(drain(runs), (std::vector<std::string>{"a1", "a2", "b1", "c1"}));
}

TEST(SortedRuns, OverTheBudgetSpillsAndMergesStably) {
  // Each entry costs its 2 bytes plus a 32-byte slot (34). With the writer idle, held entries
  // spill past half the 70-byte budget (35), so every entry but the first ends a run; with a
  // run being written, adding goes on until that run and the held entries pass 140 bytes. Where
  // the runs end depends on how fast the writer is: with it always idle the first six entries
  // are six runs ([c1] [a1] [b1] [a2] [c2] [b2], a3 held); always busy, three ([c1] [a1 b1 a2]
  // [c2], as 102 + 34 + 34 passes 140; b2 a3 held). The output is the same either way.
  engine::SortedRuns runs(70, "");
  for (const char* e : {"c1", "a1", "b1", "a2", "c2", "b2", "a3"})
    add(runs, e);
  EXPECT_GE(runs.spilledRuns(), 3u);
  EXPECT_LE(runs.spilledRuns(), 6u);
  EXPECT_EQ(drain(runs), (std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "c1", "c2"}));
  EXPECT_EQ(runs.spilledRuns(), 0u);  // consumed
}

// Entries keyed c, a, b, c, a, b, ... with payloads A, B, C, ... in the order added (entry i:
// key "cab"[i % 3], payload 'A' + i), one byte each, so each costs 1 + 1 + 32 = 34 bytes.
void addCycled(engine::SortedRuns& runs, int first, int count) {
  for (int i = first; i < first + count; ++i)
    add(runs, std::string(1, "cab"[i % 3]) + static_cast<char>('A' + i));
}

// What forEach() must give for entries 0 to count - 1: by key, equal keys in the order added,
// so the a's (i = 1, 4, 7, ...), then the b's (i = 2, 5, ...), then the c's (i = 0, 3, ...).
std::vector<std::string> cycledInOrder(int count) {
  std::vector<std::string> out;
  for (const auto& [key, first] : {std::pair{'a', 1}, std::pair{'b', 2}, std::pair{'c', 0}}) {
    for (int i = first; i < count; i += 3)
      out.push_back(std::string(1, key) + static_cast<char>('A' + i));
  }
  return out;
}

TEST(SortedRuns, CycledEntriesComeOutByKeyThenAsAdded) {
  // The helper above, checked once by hand for seven entries: c A, a B, b C, c D, a E, b F, c G.
  EXPECT_EQ(cycledInOrder(7), (std::vector<std::string>{"aB", "aE", "bC", "bF", "cA", "cD", "cG"}));
}

// A writer hook that holds the first run's writer until release() (or, so that a broken
// SortedRuns fails instead of hanging, 30 s); later runs are written at once unless `hold_second`,
// which holds the second until forEach() raises the stop flag.
class HeldWriter {
 public:
  explicit HeldWriter(bool hold_second) : hold_second_(hold_second) {}
  engine::SortedRuns::BeforeWrite hook() {
    return [this](const std::atomic<bool>& stop) {
      const int run = ++runs_;
      if (run == 1) {
        std::unique_lock<std::mutex> lock(mutex_);
        timed_out_ = !released_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
      } else if (run == 2 && hold_second_) {
        stop.wait(false);
        second_stopped_ = true;
      }
    };
  }
  void release() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    released_cv_.notify_all();
  }
  int runs() const { return runs_; }
  bool timedOut() const { return timed_out_; }
  bool secondStopped() const { return second_stopped_; }

 private:
  bool hold_second_;
  std::atomic<int> runs_{0};
  std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false, timed_out_ = false;
  std::atomic<bool> second_stopped_{false};
};

// A 340-byte budget: entries spill past 170 bytes (five entries) while the writer is idle, so
// the sixth starts a run. The hook keeps that run's writer busy; adding must go on (no wait)
// while the fifteen entries held and that run stay within 680 bytes: 15 * 34 + 170 = 680. The
// next entry would pass it, so it waits for the writer (released first) and starts a second run.
TEST(SortedRuns, WhileARunIsWrittenAddingGoesOnUpToTwiceTheBudget) {
  engine::SortedRuns runs(340, "");
  HeldWriter writer(false);
  runs.setBeforeWrite(writer.hook());
  addCycled(runs, 0, 6);
  EXPECT_EQ(runs.spilledRuns(), 1u);  // [0..4]: five entries (170 bytes) is half the budget
  addCycled(runs, 6, 14);
  EXPECT_EQ(runs.spilledRuns(), 1u);  // [0..4] being written; 5..19 held, 510 bytes: past the budget
  writer.release();
  addCycled(runs, 20, 1);
  EXPECT_EQ(runs.spilledRuns(), 2u);  // [5..19] spilled once the first run was on file
  EXPECT_EQ(drain(runs), cycledInOrder(21));
  EXPECT_FALSE(writer.timedOut());
}

// A run still being written when forEach() starts is merged from memory (its writing stopped),
// between the runs on file and the entries held. As above, the first run (entries 0-4) is on
// file and the second (5-19) starts when entry 20 comes; the hook holds the second's writer
// until forEach() raises the stop flag, so that run is never on file. Five more entries are held
// (5 * 34 + 510 = 680, within twice the budget). Every entry must come out, and equal keys in
// the order added across all three sources.
TEST(SortedRuns, ARunStillBeingWrittenIsMergedFromMemory) {
  engine::SortedRuns runs(340, "");
  HeldWriter writer(true);
  runs.setBeforeWrite(writer.hook());
  addCycled(runs, 0, 20);
  writer.release();
  addCycled(runs, 20, 5);
  EXPECT_EQ(runs.spilledRuns(), 2u);
  EXPECT_EQ(drain(runs), cycledInOrder(25));
  EXPECT_TRUE(writer.secondStopped());
  EXPECT_EQ(writer.runs(), 2);
  EXPECT_FALSE(writer.timedOut());
}

// A budget of one byte makes every entry but the last a run of its own, however fast the
// writer: half the budget is nothing, and twice it is passed by any run being written. The
// merge then picks among 40 sources (39 runs and the held entry); equal keys must come out in
// the order added, across all of them.
TEST(SortedRuns, FortySourcesMergeStably) {
  engine::SortedRuns runs(1, "");
  addCycled(runs, 0, 40);
  EXPECT_EQ(runs.spilledRuns(), 39u);
  EXPECT_EQ(drain(runs), cycledInOrder(40));
}

// The merge compares the first eight bytes of keys as one number (zero-padded), then the rest:
// across runs too, keys that share those bytes order by what follows, and a shorter key first.
TEST(SortedRuns, RunsMergeByWholeKeysPastTheirFirstEightBytes) {
  engine::SortedRuns runs(1, "");  // every entry a run of its own, but the last
  runs.add("abcdefgh2", "");
  runs.add(std::string_view("ab\0", 3), "");
  runs.add("abcdefgh1", "first");
  runs.add("ab", "");
  runs.add("abcdefgh1", "second");
  runs.add("b", "");
  EXPECT_EQ(runs.spilledRuns(), 5u);
  EXPECT_EQ(drain(runs),
            (std::vector<std::string>{"ab", std::string("ab\0", 3), "abcdefgh1first", "abcdefgh1second", "abcdefgh2", "b"}));
}

// Runs on file are read back 256 KB at a time (sorted_runs.cpp, kIoBuffer), and an entry is
// viewed in that buffer unless it straddles a refill. 30,000 entries of 8 + 100 bytes under a
// 1 MB budget make several runs of about 0.7 MB each, so many entries straddle; every one must
// come back whole (its payload is its key repeated) and in key order.
TEST(SortedRuns, EntriesThatStraddleTheReadBufferComeBackWhole) {
  engine::SortedRuns runs(1 << 20, "");
  constexpr int kEntries = 30000;
  auto keyOf = [](int i) {
    char key[9];
    std::snprintf(key, sizeof key, "%08d", (i * 7919) % kEntries);  // 7919 is prime: a permutation
    return std::string(key, 8);
  };
  auto payloadOf = [](const std::string& key) {
    std::string p;
    while (p.size() < 100)
      p += key;
    return p.substr(0, 100);
  };
  for (int i = 0; i < kEntries; ++i) {
    const std::string key = keyOf(i);
    runs.add(key, payloadOf(key));
  }
  EXPECT_GE(runs.spilledRuns(), 3u);
  int n = 0;
  bool whole = true;
  runs.forEach([&](std::string_view key, std::string_view payload) {
    char expected[9];
    std::snprintf(expected, sizeof expected, "%08d", n++);
    whole = whole && key == std::string_view(expected, 8) && payload == payloadOf(std::string(key));
  });
  EXPECT_EQ(n, kEntries);
  EXPECT_TRUE(whole);
}

// Keys that share their 16-byte prefix are ordered by the bytes after it; a key shorter than
// 16 bytes, zero-padded to the same prefix as a longer one, sorts first.
TEST(SortedRuns, KeysCompareAsStringsDoPastTheirFirstSixteenBytes) {
  engine::SortedRuns runs(1 << 20, "");
  const std::string base = "0123456789abcdef";  // 16 bytes
  runs.add(base + "b", "");
  runs.add(base + "a", "");
  runs.add(std::string("0123456789abcde\0", 16), "");
  runs.add("0123456789abcde", "");
  std::vector<std::string> keys;
  runs.forEach([&](std::string_view key, std::string_view) { keys.emplace_back(key); });
  EXPECT_EQ(keys, (std::vector<std::string>{"0123456789abcde", std::string("0123456789abcde\0", 16), base + "a", base + "b"}));
}

TEST(SortedRuns, KeysCompareAsStringsDoPastTheirFirstEightBytes) {
  engine::SortedRuns runs(1 << 20, "");
  // "ab" < "ab\0" < "abcdefgh1" < "abcdefgh2" (std::string order; the first two share their
  // zero-padded 8-byte prefix, the last two differ only in byte 9).
  runs.add("abcdefgh2", "");
  runs.add(std::string_view("ab\0", 3), "");
  runs.add("abcdefgh1", "");
  runs.add("ab", "");
  std::vector<std::string> keys;
  runs.forEach([&](std::string_view key, std::string_view) { keys.emplace_back(key); });
  EXPECT_EQ(keys, (std::vector<std::string>{"ab", std::string("ab\0", 3), "abcdefgh1", "abcdefgh2"}));
}

TEST(SortedRuns, LargeEntries) {
  engine::SortedRuns runs(8, "");
  const std::string big(3u << 20, 'z');  // larger than a 1 MB block
  add(runs, big);
  add(runs, "y");
  auto out = drain(runs);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "y");
  EXPECT_EQ(out[1], big);
}

// After a spill the emptied blocks are filled again (engine/sorted_runs.h): entries written
// into reused blocks, and one too large for any of them, still come out whole and in order.
// Each 100-byte payload entry costs 1 + 100 + 32 = 133 bytes of a 300-byte budget: one passes
// half of it, so with the writer idle each entry is a run of its own (nine runs, "n1" held);
// with it always busy, [h] [g f e] [d] [c b a] [m...]: five (after [h], the held g f e and
// the next entry pass 600 bytes with the 133 being written: 4 * 133 + 133 = 665).
TEST(SortedRuns, BlocksReusedAfterASpillKeepEveryEntry) {
  engine::SortedRuns runs(300, "");
  std::vector<std::string> added;
  for (char key : std::string("hgfedcba")) {
    added.push_back(std::string(1, key) + std::string(100, key));
    add(runs, added.back());
  }
  const std::string big = "m" + std::string(2u << 20, 'm');  // past every spare block
  add(runs, big);
  add(runs, "n1");
  EXPECT_GE(runs.spilledRuns(), 5u);
  EXPECT_LE(runs.spilledRuns(), 9u);
  std::vector<std::string> expected(added.rbegin(), added.rend());  // a..h
  expected.push_back(big);
  expected.emplace_back("n1");
  EXPECT_EQ(drain(runs), expected);
}

// A run done with its blocks leaves them in the session's pool, and the next run fills them
// before allocating any: the first block of a run is 16 KB (sorted_runs.cpp, kFirstBlock).
TEST(SortedRuns, ASecondRunFillsTheBlocksTheFirstLeftInThePool) {
  auto pool = std::make_shared<engine::RunBlockPool>(1 << 20);
  engine::SortedRuns first(1 << 20, "", pool), second(1 << 20, "", pool);
  add(first, "b1");
  add(first, "a1");
  EXPECT_EQ(pool->bytes(), 0u);
  EXPECT_EQ(drain(first), (std::vector<std::string>{"a1", "b1"}));
  EXPECT_EQ(pool->bytes(), std::size_t{16} << 10);  // its one block, now free
  add(second, "z9");
  add(second, "y8");
  EXPECT_EQ(pool->bytes(), 0u);  // taken, not allocated afresh
  EXPECT_EQ(drain(second), (std::vector<std::string>{"y8", "z9"}));
}

// The pool keeps what fits under its limit and frees the rest; it hands out only a block large
// enough for what is asked.
TEST(RunBlockPool, KeepsUpToItsLimitAndGivesOnlyLargeEnoughBlocks) {
  engine::RunBlockPool pool(300);
  pool.give({std::make_unique<char[]>(200), 200});
  pool.give({std::make_unique<char[]>(200), 200});  // 400 > 300: freed
  EXPECT_EQ(pool.bytes(), 200u);
  EXPECT_EQ(pool.take(201).data, nullptr);
  EXPECT_EQ(pool.bytes(), 200u);
  const engine::RunBlock taken = pool.take(150);
  EXPECT_NE(taken.data, nullptr);
  EXPECT_EQ(taken.size, 200u);
  EXPECT_EQ(pool.bytes(), 0u);
}

TEST(SortedRuns, UnwritableDirectoryIsAnError) {
  engine::SortedRuns runs(1, "/nonexistent-dir-for-spill-test");
  add(runs, "a");
  EXPECT_THROW(add(runs, "b"), std::runtime_error);
}

TEST(RecordCodec, RoundTripKeepsEveryField) {
  engine::OutcomeRecord r;
  r.subject_index = 300;  // two varint bytes
  r.analyte_index = 4;
  r.resource_id = "o-7";
  r.status = "amended";
  r.usable_status = true;
  r.effective = "2026-03-26";
  r.study_day = -28;
  r.visit = "SCR";
  r.comparator = core::Comparator::LessOrEqual;
  r.value = core::Decimal::parse("20.52");
  r.source_value = "1.2";
  r.source_unit = "mg/dL";
  r.range.high = core::Decimal::parse("-0.0325");
  r.ref_source = core::RangeSource::Site;
  r.flag = core::Flag::High;
  r.ctcae_grade = 2;
  r.reason = "why";
  r.collected = -5;
  r.last_updated = 1767225600000000;
  r.selected = true;
  const std::string bytes = encoded(r);
  engine::OutcomeRecord back;
  engine::ByteReader reader(bytes);
  engine::decodeRecord(reader, "o-7/_history/2", back);  // the id is taken from the key's start
  EXPECT_TRUE(reader.done());
  std::string a, b;
  engine::appendNdjson(a, r);
  engine::appendNdjson(b, back);
  EXPECT_EQ(a, b);
  EXPECT_EQ(back.resource_id, "o-7");
  EXPECT_EQ(back.collected, -5);
  EXPECT_EQ(back.last_updated, 1767225600000000);
  EXPECT_EQ(back.subject_index, 300u);
  EXPECT_TRUE(back.usable_status);
  EXPECT_FALSE(back.baseline);
  EXPECT_FALSE(back.range.low.has_value());
}

// Decoding into a record that already holds another one (the engine reuses one) leaves none
// of the old fields behind: the absent optionals are reset, not kept.
TEST(RecordCodec, DecodingOverwritesAReusedRecord) {
  engine::OutcomeRecord full;
  full.resource_id = "old";
  full.effective = "2026-01-01";
  full.study_day = 5;
  full.value = core::Decimal::parse("1.5");
  full.source_value = "1.5";
  full.source_unit = "g/L";
  full.ctcae_grade = 3;
  full.reason = "old reason";
  full.flag = core::Flag::High;
  engine::OutcomeRecord sparse;
  sparse.resource_id = "new";
  sparse.status = "final";
  const std::string bytes = encoded(sparse);
  engine::ByteReader reader(bytes);
  engine::decodeRecord(reader, "new", full);
  std::string a, b;
  engine::appendNdjson(a, sparse);
  engine::appendNdjson(b, full);
  EXPECT_EQ(a, b);
  EXPECT_EQ(full.resource_id, "new");
  EXPECT_FALSE(full.effective || full.study_day || full.value || full.source_value || full.source_unit || full.ctcae_grade ||
               full.reason || full.flag);
}

// A decimal is [present][scale][zig-zag mantissa, 7 bits a byte]. "20.52" is 2052 / 10^2:
// zig-zag 2052 -> 4104 = 0b100000_0001000 -> 0x88 (low 7 bits 0001000, more follows), 0x20.
// "-0.0325" is -325 / 10^4: zig-zag -> 649 = 0b101_0001001 -> 0x89, 0x05.
TEST(RecordCodec, DecimalBytesWorkedByHand) {
  std::string bytes;
  engine::ByteWriter w(bytes);
  w.optionalDecimal(core::Decimal::parse("20.52"));
  w.optionalDecimal(core::Decimal::parse("-0.0325"));
  w.optionalDecimal(std::nullopt);
  w.flush();
  EXPECT_EQ(bytes, std::string("\x01\x02\x88\x20\x01\x04\x89\x05\x00", 9));
}

TEST(RecordCodec, DecimalExtremesRoundTripExactly) {
  // The largest and smallest magnitudes a Decimal holds (36 digits; 30 fraction digits), a
  // value with trailing zeros, zero and a negative whole number.
  const char* texts[] = {"999999999999999999999999999999999999",
                         "-999999999999999999999999999999999999",
                         "0.000000000000000000000000000001",
                         "1.10",
                         "0",
                         "-3"};
  for (const char* text : texts) {
    const auto d = core::Decimal::parse(text);
    ASSERT_TRUE(d.has_value()) << text;
    std::string bytes;
    engine::ByteWriter w(bytes);
    w.optionalDecimal(d);
    w.flush();
    engine::ByteReader r(bytes);
    const auto back = r.optionalDecimal();
    EXPECT_TRUE(r.done()) << text;
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(back->mantissa(), d->mantissa()) << text;
    EXPECT_EQ(back->scale(), d->scale()) << text;
    EXPECT_EQ(back->toString(), d->toString()) << text;
  }
}

TEST(RecordCodec, DecimalWithImpossiblePartsThrows) {
  // Scale 31 is past kMaxScale (30): no Decimal has it, so the bytes are malformed.
  engine::ByteReader scale(std::string_view("\x01\x1f\x02", 3));
  EXPECT_THROW(scale.optionalDecimal(), std::runtime_error);
  // A mantissa whose varint never ends.
  const std::string never_ends = std::string("\x01\x00", 2) + std::string(20, '\xff');  // present, scale 0, 20 x 0xff
  engine::ByteReader endless(never_ends);
  EXPECT_THROW(endless.optionalDecimal(), std::runtime_error);
}

// Varints of every width (the reader gathers 63 bits in 64-bit arithmetic, then the rest) and
// fixed eight-byte instants. 0x80 is 0b1_0000000 -> 0x80 (low 7 bits, more follows), 0x01.
TEST(RecordCodec, WideVarintsAndFixedInstantsRoundTrip) {
  std::string bytes;
  engine::ByteWriter w(bytes);
  w.u64(0x80);
  w.flush();
  ASSERT_EQ(bytes, std::string("\x80\x01", 2));
  w.u64(UINT64_MAX);  // ten bytes: the last step holds bit 63
  w.u64(std::uint64_t{1} << 62);
  w.i64(INT64_MIN);
  w.optionalFixed64(INT64_MIN);
  w.optionalFixed64(std::nullopt);
  w.optionalFixed64(1767225600000000);  // 2026-01-01T00:00:00Z in microseconds
  w.flush();
  engine::ByteReader r(bytes);
  EXPECT_EQ(r.u64(), 0x80u);
  EXPECT_EQ(r.u64(), UINT64_MAX);
  EXPECT_EQ(r.u64(), std::uint64_t{1} << 62);
  EXPECT_EQ(r.i64(), INT64_MIN);
  EXPECT_EQ(r.optionalFixed64(), INT64_MIN);
  EXPECT_EQ(r.optionalFixed64(), std::nullopt);
  EXPECT_EQ(r.optionalFixed64(), 1767225600000000);
  EXPECT_TRUE(r.done());
  engine::ByteReader shortInstant(std::string_view("\x01\x00\x00", 3));  // present, then 2 of 8 bytes
  EXPECT_THROW(shortInstant.optionalFixed64(), std::runtime_error);
}

TEST(RecordCodec, AnIdLongerThanItsKeyIsMalformed) {
  engine::OutcomeRecord r;
  r.resource_id = "o-7";
  const std::string bytes = encoded(r);
  engine::ByteReader reader(bytes);
  engine::OutcomeRecord back;
  EXPECT_THROW(engine::decodeRecord(reader, "o-", back), std::runtime_error);  // 3 bytes said, 2 there
}

// The writer gathers bytes in a buffer of 256 (record_codec.h). Texts that end just before,
// at and just after its edge, and one longer than the whole buffer (it goes straight through),
// come back in order and whole; what flush() has not yet moved arrives when the writer goes.
TEST(RecordCodec, TextsAcrossTheWritersBufferEdgeStayInOrder) {
  const std::string a(250, 'a');  // 250 = 0b1_1111010 -> 0xfa, 0x01: 2 length bytes + 250 = 252 held
  const std::string b(3, 'b');    // 1 + 3: 256, the buffer exactly full
  const std::string c(3, 'c');    // starts a fresh buffer
  const std::string d(300, 'd');  // 2 length bytes (300 = 0b10_0101100 -> 0xac, 0x02), then 300 past the buffer
  std::string bytes;
  {
    engine::ByteWriter w(bytes);
    w.text(a);
    w.text(b);
    w.flush();
    EXPECT_EQ(bytes.size(), 256u);
    w.text(c);
    w.text(d);
    w.byte(7);
    EXPECT_EQ(bytes.size(), 256u + 4 + 2 + 300);  // c and d's length were flushed before d's bytes went through
  }
  EXPECT_EQ(bytes.size(), 256u + 4 + 2 + 300 + 1);  // the last byte, at the writer's end
  engine::ByteReader r(bytes);
  EXPECT_EQ(r.text(), a);
  EXPECT_EQ(r.text(), b);
  EXPECT_EQ(r.text(), c);
  EXPECT_EQ(r.text(), d);
  EXPECT_EQ(r.byte(), 7u);
  EXPECT_TRUE(r.done());
}

TEST(RecordCodec, TruncatedBytesThrow) {
  engine::ByteReader r(
      std::string_view("\x05"
                       "ab",
                       3));  // says 5 bytes, holds 2
  EXPECT_THROW(r.text(), std::runtime_error);
}

std::string mapText(const std::string& ndjson, std::size_t budget) {
  engine::SessionOptions options;
  options.memory_budget = budget;
  engine::MappingSession session(defaultConfig(), rosterFrom(kDefaultRoster), options, {});
  std::string copy = ndjson;
  std::FILE* f = fmemopen(copy.data(), copy.size(), "r");
  EXPECT_NE(f, nullptr);
  std::uint64_t bundles = 0;
  fhir::readResources(f, "test-input", session, bundles);
  std::fclose(f);
  std::string out;
  session.finish([&](engine::OutcomeRecord&& r) { engine::appendNdjson(out, r); });
  return out;
}

Obs bili(const std::string& id, const std::string& date, const std::string& value) {
  return Obs(id).analyte("BILI").effective(date).value(qty(value, "umol/L"));
}

// Versions, a retraction, a marker that moves an id off the roster, baseline-relative grades
// and selection per visit, in an order that makes the runs interleave.
std::string scenario() {
  std::vector<Obs> obs = {
      bili("b1", "2026-01-01", "30").version("1"),  // day 1, BASELINE, 30 > ULN 20.5: high
      bili("w4a", "2026-01-27", "40"),              // day 27: W4 (target 29), 2 days off
      bili("w4b", "2026-01-30", "45"),              // day 30: W4, 1 day off: selected
      bili("b1", "2026-01-01", "31").version("2").status("amended"),
      bili("gone", "2026-01-29", "50").version("1"),
      bili("gone", "2026-01-29", "50").version("2").status("entered-in-error"),
      bili("moved", "2026-01-28", "10").version("1"),
      bili("moved", "2026-01-28", "10").version("2").subject("Patient/not-on-roster"),
      bili("s2", "2026-01-29", "12").subject("Patient/p2"),  // no dose 1: no study day
  };
  std::string text;
  for (const Obs& o : obs)
    text += o.json() + "\n";
  return text;
}

TEST(SessionSpill, SpilledRunGivesTheSameRecordsAsInMemory) {
  const std::string input = scenario();
  const std::string inMemory = mapText(input, std::size_t{64} << 20);
  const std::string spilled = mapText(input, 64);  // every entry spills on its own
  EXPECT_EQ(spilled, inMemory);
  // Worked by hand: b1 (version 2: 31), gone (retracted, values of version 1), s2, w4a, w4b;
  // "moved" is hidden by its newer off-roster version. 5 lines.
  std::size_t lines = 0;
  for (char c : spilled)
    lines += c == '\n';
  EXPECT_EQ(lines, 5u);
  EXPECT_EQ(spilled.find("Observation/moved"), std::string::npos);
  EXPECT_NE(spilled.find("\"observation\": \"Observation/b1/_history/2\""), std::string::npos);
  EXPECT_NE(spilled.find("\"observation\": \"Observation/gone/_history/2\", \"status\": \"retracted\""), std::string::npos);
}

TEST(SessionSpill, SelectionAndBaselineSurviveTheMerge) {
  engine::SessionOptions options;
  options.memory_budget = 64;
  engine::MappingSession session(defaultConfig(), rosterFrom(kDefaultRoster), options, {});
  std::string copy = scenario();
  std::FILE* f = fmemopen(copy.data(), copy.size(), "r");
  std::uint64_t bundles = 0;
  fhir::readResources(f, "test-input", session, bundles);
  std::fclose(f);
  engine::OutcomeRecords records = session.finish();
  ASSERT_EQ(records.size(), 5u);
  // Output order: S01's BILI records by effective date, then S02's.
  EXPECT_EQ(records[0].resource_id, "b1");
  EXPECT_TRUE(records[0].selected);
  EXPECT_TRUE(records[0].baseline);
  EXPECT_EQ(text(records[0].value), "31");
  EXPECT_EQ(records[1].resource_id, "w4a");  // 2026-01-27
  EXPECT_FALSE(records[1].selected);
  EXPECT_EQ(records[2].resource_id, "gone");  // 2026-01-29
  EXPECT_EQ(records[2].status, "retracted");
  EXPECT_FALSE(records[2].selected);
  EXPECT_EQ(records[3].resource_id, "w4b");  // 2026-01-30: day 30 is 1 day from W4's target 29
  EXPECT_TRUE(records[3].selected);
  EXPECT_FALSE(records[3].baseline);
  // Baseline 31 is high (ULN 20.5), so W4 grades against it: 45 > 1.0 x 31 but not > 1.5 x 31 =
  // 46.5: grade 1 (against the ULN it would be 2: 45 > 1.5 x 20.5 = 30.75). The baseline itself
  // (day 1) grades against the ULN: 31 > 30.75: grade 2.
  EXPECT_EQ(records[3].ctcae_grade, 1);
  EXPECT_EQ(records[0].ctcae_grade, 2);
  EXPECT_EQ(records[4].subject_id, "S02");
}

}  // namespace
}  // namespace fa::test

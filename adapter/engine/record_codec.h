#pragma once
// Compact byte form of what a MappingSession holds between reading and finish(): a version's key
// and its evaluated record. A record costs its bytes (about 150 to 250) instead of a 640-byte
// OutcomeRecord plus its heap strings, and the same bytes are what a sorted run spilled to disk
// holds. Fields that follow from the indexes (subject_id, analyte, unit) are not stored: decode
// takes them from the TrialConfig and the Roster. Pure functions; the round trip is exact.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/outcome_record.h"
#include "engine/version_resolution.h"

namespace fa::engine {

// Appends to a byte string: unsigned varints, length-prefixed strings, optionals. The bytes
// gather in a small buffer of the writer's own and reach `out` in pieces, by flush() and at the
// latest when the writer goes out of scope: std::string::push_back is not inlined (libstdc++
// instantiates it once, out of line), and a call per byte was 2-3% of a trial-only `map`.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  ~ByteWriter() { flush(); }
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  // Inline for the one-byte case (indexes, lengths, small numbers: most of what is written).
  void u64(std::uint64_t v) {
    if (v < 0x80)
      byte(static_cast<std::uint8_t>(v));
    else
      longU64(v);
  }
  void i64(std::int64_t v);  // zig-zag
  void byte(std::uint8_t v) {
    if (used_ == kBuffer) flush();
    buffer_[used_++] = static_cast<char>(v);
  }
  void text(std::string_view s);  // its length, then its bytes
  void raw(std::string_view s);   // the bytes alone (bytes another writer wrote)
  void optionalText(const std::optional<std::string>& s);
  void optionalI64(const std::optional<std::int64_t>& v);
  // Eight bytes as they are: instants (microseconds since 1970, about 2^50) take eight bytes as
  // varints too, and a copy reads faster than eight varint steps. The bytes never leave the
  // process that wrote them, so their order is the machine's.
  void optionalFixed64(const std::optional<std::int64_t>& v);
  void optionalDecimal(const std::optional<core::Decimal>& d);
  // Everything written so far is in `out` after this.
  void flush() {
    out_.append(buffer_, used_);
    used_ = 0;
  }

 private:
  static constexpr std::size_t kBuffer = 256;  // a whole record, nearly always
  void longU64(std::uint64_t v);
  std::string& out_;
  std::size_t used_ = 0;
  char buffer_[kBuffer];
};

// Reads what ByteWriter wrote, in the same order. Malformed bytes (a truncated spill file) throw
// std::runtime_error: they can only come from a broken temporary file, never from input.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  // Inline for the one-byte case, as ByteWriter::u64.
  std::uint64_t u64() {
    if (pos_ < in_.size() && static_cast<std::uint8_t>(in_[pos_]) < 0x80) return static_cast<std::uint8_t>(in_[pos_++]);
    return longU64();
  }
  std::int64_t i64();
  std::uint8_t byte() {
    if (pos_ >= in_.size()) truncated();
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::string_view text();
  // Into existing strings: their capacity is reused, so decoding record after record into one
  // scratch value allocates nothing once it has grown.
  void textInto(std::string& out) { out.assign(text()); }
  void optionalTextInto(std::optional<std::string>& out);
  std::optional<std::int64_t> optionalI64();
  std::optional<std::int64_t> optionalFixed64();
  std::optional<core::Decimal> optionalDecimal();
  std::string_view rest() const { return in_.substr(pos_); }
  bool done() const { return pos_ == in_.size(); }
  // Throws the one error malformed bytes give.
  [[noreturn]] static void truncated();

 private:
  std::uint64_t longU64();
  std::string_view in_;
  std::size_t pos_ = 0;
};

void encodeVersionKey(ByteWriter& w, const VersionKey& key);
void decodeVersionKey(ByteReader& r, VersionKey& into);  // overwrites every field

// Everything of the record except subject_id, analyte and unit (from the indexes), observation
// (written by version resolution at finish()) and the text of resource_id: only its length is
// kept, since every entry that holds a record has a key that starts with the id (the id itself
// by id, "{id}/_history/{version}" in output order), and the id was a fifth of the bytes.
void encodeRecord(ByteWriter& w, const OutcomeRecord& record);
// Overwrites every field encodeRecord wrote (so one scratch record can be reused), resource_id
// from the start of `id_text` (the entry's key part that starts with it); the caller sets
// subject_id, analyte, unit and observation.
void decodeRecord(ByteReader& r, std::string_view id_text, OutcomeRecord& record);
// The same in two steps: the head (indexes, resource id, status, effective, study day, visit,
// flag, value, collected, last_updated: what version resolution and selection read), then the
// tail (the rest), which `r` must be left at after the head.
void decodeRecordHead(ByteReader& r, std::string_view id_text, OutcomeRecord& record);
void decodeRecordTail(ByteReader& r, OutcomeRecord& record);

}  // namespace fa::engine

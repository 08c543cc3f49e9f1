#include "engine/record_codec.h"

#include <cstring>
#include <stdexcept>

namespace fa::engine {
namespace {

template <typename Enum>
void optionalEnum(ByteWriter& w, const std::optional<Enum>& e) {
  w.byte(e ? static_cast<std::uint8_t>(static_cast<int>(*e) + 1) : 0);
}

template <typename Enum>
std::optional<Enum> readOptionalEnum(ByteReader& r) {
  const std::uint8_t b = r.byte();
  if (b == 0) return std::nullopt;
  return static_cast<Enum>(b - 1);
}

// Unsigned varints, 7 bits a byte, low bits first; 64-bit for counts, 128-bit for mantissas.
template <typename Unsigned>
void appendVarint(ByteWriter& w, Unsigned v) {
  while (v >= 0x80) {
    w.byte(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  w.byte(static_cast<std::uint8_t>(v));
}

// The first 63 bits are gathered in 64-bit arithmetic (nearly every value ends there), the
// rest, if any, in `Unsigned`: the same value as gathering all of it in `Unsigned`.
template <typename Unsigned>
Unsigned readVarint(ByteReader& r) {
  static_assert(sizeof(Unsigned) >= sizeof(std::uint64_t));
  std::uint64_t low = 0;
  unsigned shift = 0;
  for (; shift < 63; shift += 7) {
    const std::uint8_t b = r.byte();
    low |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return static_cast<Unsigned>(low);
  }
  Unsigned v = low;
  for (; shift < sizeof(Unsigned) * 8; shift += 7) {
    const std::uint8_t b = r.byte();
    v |= static_cast<Unsigned>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ByteReader::truncated();
}

// Zig-zag: small magnitudes of either sign stay short (0 -> 0, -1 -> 1, 1 -> 2, ...).
template <typename Unsigned, typename Signed>
Unsigned zigZag(Signed v) {
  return (static_cast<Unsigned>(v) << 1) ^ (v < 0 ? ~Unsigned{0} : 0);
}

template <typename Signed, typename Unsigned>
Signed unZigZag(Unsigned u) {
  return static_cast<Signed>((u >> 1) ^ (~(u & 1) + 1));
}

}  // namespace

void ByteReader::truncated() {
  throw std::runtime_error("a spilled record is truncated or malformed");
}

void ByteWriter::longU64(std::uint64_t v) {
  appendVarint(*this, v);
}

void ByteWriter::i64(std::int64_t v) {
  u64(zigZag<std::uint64_t>(v));
}

void ByteWriter::text(std::string_view s) {
  u64(s.size());
  raw(s);
}

void ByteWriter::raw(std::string_view s) {
  if (s.empty()) return;  // memcpy from an empty view's null data is undefined
  if (s.size() > kBuffer - used_) {
    flush();
    if (s.size() > kBuffer) {  // a long text goes straight through
      out_.append(s);
      return;
    }
  }
  std::memcpy(buffer_ + used_, s.data(), s.size());
  used_ += s.size();
}

void ByteWriter::optionalText(const std::optional<std::string>& s) {
  byte(s ? 1 : 0);
  if (s) text(*s);
}

void ByteWriter::optionalI64(const std::optional<std::int64_t>& v) {
  byte(v ? 1 : 0);
  if (v) i64(*v);
}

void ByteWriter::optionalFixed64(const std::optional<std::int64_t>& v) {
  byte(v ? 1 : 0);
  if (!v) return;
  char bytes[sizeof(std::int64_t)];
  std::memcpy(bytes, &*v, sizeof bytes);
  raw(std::string_view(bytes, sizeof bytes));
}

// As its scale (one byte) and its mantissa (zig-zag, 7 bits a byte; |mantissa| < 10^36 < 2^120):
// the exact value back without the text round trip, which took about 8% of a trial-only map.
void ByteWriter::optionalDecimal(const std::optional<core::Decimal>& d) {
  byte(d ? 1 : 0);
  if (!d) return;
  byte(static_cast<std::uint8_t>(d->scale()));
  const core::UInt128 m = zigZag<core::UInt128>(d->mantissa());
  if (m <= UINT64_MAX)
    appendVarint(*this, static_cast<std::uint64_t>(m));  // the same bytes, in 64-bit arithmetic
  else
    appendVarint(*this, m);
}

std::uint64_t ByteReader::longU64() {
  return readVarint<std::uint64_t>(*this);
}

std::int64_t ByteReader::i64() {
  return unZigZag<std::int64_t>(u64());
}

std::string_view ByteReader::text() {
  const std::uint64_t n = u64();
  if (n > in_.size() - pos_) truncated();
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

void ByteReader::optionalTextInto(std::optional<std::string>& out) {
  if (!byte()) {
    out.reset();
  } else if (out) {
    out->assign(text());
  } else {
    out.emplace(text());
  }
}

std::optional<std::int64_t> ByteReader::optionalI64() {
  if (!byte()) return std::nullopt;
  return i64();
}

std::optional<std::int64_t> ByteReader::optionalFixed64() {
  if (!byte()) return std::nullopt;
  if (in_.size() - pos_ < sizeof(std::int64_t)) truncated();
  std::int64_t v = 0;
  std::memcpy(&v, in_.data() + pos_, sizeof v);
  pos_ += sizeof v;
  return v;
}

std::optional<core::Decimal> ByteReader::optionalDecimal() {
  if (!byte()) return std::nullopt;
  const int scale = byte();
  const auto m = unZigZag<core::Int128>(readVarint<core::UInt128>(*this));
  auto d = core::Decimal::fromParts(m, scale);
  if (!d) truncated();
  return d;
}

void encodeVersionKey(ByteWriter& w, const VersionKey& key) {
  w.text(key.version_id);
  w.optionalFixed64(key.last_updated);
  w.text(key.status);
  w.u64(key.seen);
  w.byte(key.bundle ? 1 : 0);
  if (key.bundle) w.u64(*key.bundle);
  w.u64(key.bundle_index);
}

void decodeVersionKey(ByteReader& r, VersionKey& key) {
  r.textInto(key.version_id);
  key.last_updated = r.optionalFixed64();
  r.textInto(key.status);
  key.seen = r.u64();
  key.bundle.reset();
  if (r.byte()) key.bundle = r.u64();
  key.bundle_index = static_cast<std::size_t>(r.u64());
}

// The head holds what resolving versions and bidding for selection read; the tail the rest,
// which a record that leaves resolving unchanged never needs decoded there.
void encodeRecord(ByteWriter& w, const OutcomeRecord& rec) {
  w.u64(rec.subject_index);
  w.u64(rec.analyte_index);
  w.u64(rec.resource_id.size());  // its text is the entry's key (record_codec.h)
  w.text(rec.status);
  w.byte(rec.usable_status ? 1 : 0);
  w.optionalText(rec.effective);
  w.optionalI64(rec.study_day);
  w.text(rec.visit);
  optionalEnum(w, rec.flag);
  w.optionalDecimal(rec.value);
  w.optionalFixed64(rec.collected);
  w.optionalFixed64(rec.last_updated);
  // tail
  w.byte(static_cast<std::uint8_t>(rec.comparator));
  w.optionalText(rec.source_value);
  w.optionalText(rec.source_unit);
  w.optionalDecimal(rec.range.low);
  w.optionalDecimal(rec.range.high);
  optionalEnum(w, rec.ref_source);
  w.optionalI64(rec.ctcae_grade);
  w.optionalText(rec.reason);
  w.byte(static_cast<std::uint8_t>((rec.selected ? 1 : 0) | (rec.baseline ? 2 : 0)));
}

void decodeRecordHead(ByteReader& r, std::string_view id_text, OutcomeRecord& rec) {
  rec.subject_index = static_cast<std::size_t>(r.u64());
  rec.analyte_index = static_cast<std::size_t>(r.u64());
  const std::uint64_t id_size = r.u64();
  if (id_size > id_text.size()) ByteReader::truncated();
  rec.resource_id.assign(id_text.substr(0, id_size));
  r.textInto(rec.status);
  rec.usable_status = r.byte() != 0;
  r.optionalTextInto(rec.effective);
  rec.study_day.reset();
  if (auto day = r.optionalI64()) rec.study_day = static_cast<core::StudyDay>(*day);
  r.textInto(rec.visit);
  rec.flag = readOptionalEnum<core::Flag>(r);
  rec.value = r.optionalDecimal();
  rec.collected = r.optionalFixed64();
  rec.last_updated = r.optionalFixed64();
}

void decodeRecordTail(ByteReader& r, OutcomeRecord& rec) {
  rec.comparator = static_cast<core::Comparator>(r.byte());
  r.optionalTextInto(rec.source_value);
  r.optionalTextInto(rec.source_unit);
  rec.range.low = r.optionalDecimal();
  rec.range.high = r.optionalDecimal();
  rec.ref_source = readOptionalEnum<core::RangeSource>(r);
  rec.ctcae_grade.reset();
  if (auto grade = r.optionalI64()) rec.ctcae_grade = static_cast<int>(*grade);
  r.optionalTextInto(rec.reason);
  const std::uint8_t marks = r.byte();
  rec.selected = (marks & 1) != 0;
  rec.baseline = (marks & 2) != 0;
}

void decodeRecord(ByteReader& r, std::string_view id_text, OutcomeRecord& rec) {
  decodeRecordHead(r, id_text, rec);
  decodeRecordTail(r, rec);
}

}  // namespace fa::engine

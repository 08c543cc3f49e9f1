#include "fhir/json_text.h"

#include <cstdint>
#include <cstring>

#include "common/hex.h"

namespace fa::fhir {

const JsonValue* findMember(const JsonValue& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == name) return &it->value;
  }
  return nullptr;
}

std::optional<std::string_view> stringMember(const JsonValue& object, std::string_view name) {
  const JsonValue* v = findMember(object, name);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::string_view textOf(const JsonValue& value) {
  return value.IsString() ? std::string_view(value.GetString(), value.GetStringLength()) : std::string_view();
}

namespace {

bool needsEscape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

// The escape for one byte that needs it, written at `at`; returns its end.
char* writeEscaped(char* at, unsigned char c) {
  *at++ = '\\';
  switch (c) {
    case '"':
      *at++ = '"';
      break;
    case '\\':
      *at++ = '\\';
      break;
    case '\n':
      *at++ = 'n';
      break;
    case '\r':
      *at++ = 'r';
      break;
    case '\t':
      *at++ = 't';
      break;
    case '\b':
      *at++ = 'b';
      break;
    case '\f':
      *at++ = 'f';
      break;
    default: {
      const std::string hex = common::toHex(&c, 1);
      *at++ = 'u';
      *at++ = '0';
      *at++ = '0';
      *at++ = hex[0];
      *at++ = hex[1];
    }
  }
  return at;
}

// Whether any of the 8 bytes of `w` needs an escape: below 0x20, '"' or '\\'. The classic
// word tricks "has a byte less than n" and "has a zero byte" (bit twiddling hacks): each is
// non-zero exactly when some byte qualifies.
bool wordNeedsEscape(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto hasZero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const std::uint64_t below = (w - kOnes * 0x20) & ~w & kHighs;
  return (below | hasZero(w ^ (kOnes * '"')) | hasZero(w ^ (kOnes * '\\'))) != 0;
}

// Where the first byte needing an escape is at or after `from`, else text.size(): eight bytes
// at a time, since every field of every output record passes here.
std::size_t nextEscape(std::string_view text, std::size_t from) {
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, sizeof w);
    if (!wordNeedsEscape(w)) continue;
    for (std::size_t j = i; j < i + 8; ++j) {
      if (needsEscape(static_cast<unsigned char>(text[j]))) return j;
    }
  }
  for (; i < text.size(); ++i) {
    if (needsEscape(static_cast<unsigned char>(text[i]))) return i;
  }
  return text.size();
}

}  // namespace

// Runs of plain characters are copied at once: every field of every output record passes
// here, and appending byte by byte was the largest single cost of writing them.
char* writeJsonString(char* at, std::string_view text) {
  *at++ = '"';
  std::size_t start = 0;
  for (std::size_t i = nextEscape(text, 0); i < text.size(); i = nextEscape(text, i + 1)) {
    std::memcpy(at, text.data() + start, i - start);
    at = writeEscaped(at + (i - start), static_cast<unsigned char>(text[i]));
    start = i + 1;
  }
  if (text.size() > start) std::memcpy(at, text.data() + start, text.size() - start);
  at += text.size() - start;
  *at++ = '"';
  return at;
}

void appendJsonString(std::string& out, std::string_view text) {
  const std::size_t old = out.size();
  out.resize(old + jsonStringBound(text.size()));
  char* end = writeJsonString(out.data() + old, text);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

}  // namespace fa::fhir

// appendJsonString writes every text field of `map`'s NDJSON output (docs/contract.md, "map"):
// plain runs are copied at once and only '"', '\\' and control characters are escaped.
#include "fhir/json_text.h"

#include <gtest/gtest.h>

#include <string>

namespace fa::fhir {
namespace {

std::string asJsonString(std::string_view text) {
  std::string out = "prefix:";  // appends, never replaces
  appendJsonString(out, text);
  return out;
}

TEST(JsonText, PlainTextIsQuotedAsItIs) {
  EXPECT_EQ(asJsonString(""), R"(prefix:"")");
  EXPECT_EQ(asJsonString("Observation/o-1/_history/2"), R"(prefix:"Observation/o-1/_history/2")");
  EXPECT_EQ(asJsonString("µmol/L"), "prefix:\"µmol/L\"");  // UTF-8 bytes pass through
}

// Escapes at the start, in the middle and at the end of a text, so the runs between them are
// cut at the right places: '"' -> \", '\' -> \\, newline -> \n, tab -> \t, byte 0x01 ->
// \u0001, 0x1f -> \u001f; '/' and DEL (0x7f) are not escaped.
TEST(JsonText, EscapesOnlyQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(asJsonString("\"a\\b\nc\td\x01"), R"(prefix:"\"a\\b\nc\td\u0001")");
  EXPECT_EQ(asJsonString("\x1f/\x7f\r\b\f"), "prefix:\"\\u001f/\x7f\\r\\b\\f\"");
  EXPECT_EQ(asJsonString(std::string("a\0b", 3)), R"(prefix:"a\u0000b")");
}

// The scan goes eight bytes at a time: every byte value, at every place of a text longer than
// two words (the word-aligned part and the tail), must come out as a byte-by-byte escaper has
// it. The reference below escapes exactly '"', '\\' and bytes below 0x20.
std::string byteByByte(std::string_view text) {
  static const char* const kHex = "0123456789abcdef";
  std::string out = "prefix:\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      out += '\\';
      out += c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

TEST(JsonText, EveryByteAtEveryPlaceOfTwoWordsAndATail) {
  for (int value = 0; value < 256; ++value) {
    for (std::size_t at = 0; at < 19; ++at) {
      std::string text(19, 'a');
      text[at] = static_cast<char>(value);
      if (at + 9 < text.size()) text[at + 9] = '"';  // a second escape in a later word
      ASSERT_EQ(asJsonString(text), byteByByte(text)) << "byte " << value << " at " << at;
    }
  }
}

}  // namespace
}  // namespace fa::fhir

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

}  // namespace
}  // namespace fa::fhir

#pragma once
// The nesting limit of every JSON parse. RapidJSON's DOM parse, its SAX reader and our own
// walks (collectModifierExtensions, schema validation, Accept) recurse once per level, so a
// document nested 50,000 deep overflows the stack. Each parse site checks the text first (one
// pass, no recursion), counts levels in its SAX handler, or, on the hot paths, parses through
// the depth-counting builder of json_bounded_parse.h; too deep is a rejection that names
// the file, line or entry (docs/fhir-servers.md, "Hostile input").
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fa::common {

// FHIR resources nest about 10 levels (a Bundle entry's Observation component coding: 8);
// extensions inside extensions add 2 each. 256 leaves room for any real resource or mapping
// file and keeps every recursive walk well inside a thread's stack.
inline constexpr std::size_t kMaxJsonDepth = 256;

// The byte offset of the first '[' or '{' that opens level max_depth + 1, or nullopt when the
// text nests no deeper. Strings (with their escapes) are skipped. Exact for valid JSON; for
// invalid JSON a parser stops no deeper than the levels counted here.
std::optional<std::size_t> jsonTooDeepAt(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// "nested deeper than 256 levels"
std::string tooDeepMessage(std::size_t max_depth = kMaxJsonDepth);

// Document::Parse<Flags> under the limit. A text nested deeper is parsed only up to the first
// bracket past the limit: that prefix is an unfinished value, so the document ends with a parse
// error at that offset (callers check HasParseError() as for any invalid JSON) and no value
// deeper than the limit is ever built.
// Generic over the document type, so this header needs no RapidJSON (Flags 0 = its defaults).
template <unsigned Flags = 0, typename Document>
void parseBounded(Document& doc, std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  doc.template Parse<Flags>(text.data(), jsonTooDeepAt(text, max_depth).value_or(text.size()));
}

}  // namespace fa::common

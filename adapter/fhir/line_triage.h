#pragma once
// A quick first look at an NDJSON line, for the lines a sink would ignore anyway.
//
// Most lines of a hospital export are not the trial's business (other codes, other resource
// types), yet each was built into a RapidJSON document only to be dropped. simdjson validates
// the whole line (JSON grammar, UTF-8, nesting) several times faster than a DOM parse and lets
// the sink see the two things that decide "ignored": resourceType and Observation.code.coding.
// Whatever it cannot vouch for (a parse error, a Bundle, a line the sink wants) goes the
// ordinary way, so messages, counts and records are the same with or without it
// (docs/architecture.md "Quick look at NDJSON lines").
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace fa::fhir {

// One Observation.code.coding element as forEachCodeCoding sees it: "" when absent or not a string.
struct CodingView {
  std::string_view system;
  std::string_view code;
};

// What the quick look found on a valid line: views into the triage, valid until its next look().
struct QuickResource {
  std::string_view resource_type;          // the first root "resourceType" member, a string, not "Bundle"
  const std::vector<CodingView>* codings;  // root code.coding, in order (empty when not there)
};

class LineTriage {
 public:
  LineTriage();
  ~LineTriage();
  LineTriage(const LineTriage&) = delete;
  LineTriage& operator=(const LineTriage&) = delete;

  // nullopt when the line needs the full parse: not valid JSON to simdjson, not an object, no
  // string resourceType, a Bundle, longer than kMaxQuickLine. The line is not modified.
  // `readable_after`: how many initialised bytes after the line the caller's buffer holds; with
  // at least kReadAhead of them simdjson reads the line where it is (it loads past the end of
  // its input, ignoring what it finds there) instead of copying it first.
  std::optional<QuickResource> look(std::string_view line, std::size_t readable_after = 0);

  static constexpr std::size_t kMaxQuickLine = 1u << 20;
  static constexpr std::size_t kReadAhead = 64;

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
  std::vector<CodingView> codings_;
};

}  // namespace fa::fhir

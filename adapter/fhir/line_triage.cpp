#include "fhir/line_triage.h"

#include <simdjson.h>

#include "common/json_depth.h"

namespace fa::fhir {
namespace {

// Stricter than the full parse's limit (one level less): a line simdjson passes is never one the
// full parse would refuse as too deep; the lines in between simply take the full parse.
constexpr std::size_t kQuickDepth = common::kMaxJsonDepth - 1;
static_assert(LineTriage::kReadAhead >= simdjson::SIMDJSON_PADDING);

std::string_view stringAt(simdjson::dom::object object, std::string_view key) {
  std::string_view text;
  if (object.at_key(key).get_string().get(text) != simdjson::SUCCESS) return {};
  return text;
}

}  // namespace

struct LineTriage::Parser {
  simdjson::dom::parser dom{kMaxQuickLine};
  bool ready = dom.allocate(64 << 10, kQuickDepth) == simdjson::SUCCESS;
};

LineTriage::LineTriage() : parser_(std::make_unique<Parser>()) {}
LineTriage::~LineTriage() = default;

std::optional<QuickResource> LineTriage::look(std::string_view line, std::size_t readable_after) {
  if (!parser_->ready || line.size() > kMaxQuickLine) return std::nullopt;
  simdjson::dom::element root;
  // simdjson only reads its input (strings are unescaped into its own buffer), so the line stays
  // as it was for the full parse, which works in place. Without the read-ahead it is copied
  // into simdjson's padded buffer (realloc_if_needed).
  const bool copy = readable_after < kReadAhead;
  if (parser_->dom.parse(line.data(), line.size(), copy).get(root) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object resource;
  if (root.get_object().get(resource) != simdjson::SUCCESS) return std::nullopt;
  // at_key, like findMember, takes the first member of that name.
  std::string_view type;
  if (resource.at_key("resourceType").get_string().get(type) != simdjson::SUCCESS || type == "Bundle") return std::nullopt;
  codings_.clear();
  simdjson::dom::object code;
  simdjson::dom::array codings;
  if (resource.at_key("code").get_object().get(code) == simdjson::SUCCESS &&
      code.at_key("coding").get_array().get(codings) == simdjson::SUCCESS) {
    for (simdjson::dom::element c : codings) {
      simdjson::dom::object coding;
      if (c.get_object().get(coding) != simdjson::SUCCESS) continue;
      codings_.push_back({stringAt(coding, "system"), stringAt(coding, "code")});
    }
  }
  return QuickResource{type, &codings_};
}

}  // namespace fa::fhir

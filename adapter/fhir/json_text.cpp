#include "fhir/json_text.h"

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

void appendEscaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      out += "\\u00";
      out += common::toHex(&c, 1);
  }
}

}  // namespace

// Runs of plain characters are appended at once: every field of every output record passes
// here, and appending byte by byte was the largest single cost of writing them.
void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needsEscape(c)) continue;
    out.append(text.data() + start, i - start);
    appendEscaped(out, c);
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
  out.push_back('"');
}

}  // namespace fa::fhir

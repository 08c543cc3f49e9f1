#include "console/http_form.h"

#include "audit/audit_entry.h"
#include "common/percent_encoding.h"

namespace fa::console {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  if (audit::sanitizeUtf8(out) != out) return std::nullopt;  // invalid UTF-8 is refused, not repaired
  return out;
}

}  // namespace

std::optional<Form> parseForm(std::string_view body) {
  Form form;
  std::size_t count = 0, pos = 0;
  while (pos <= body.size() && !body.empty()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    if (++count > kMaxFields || pair.size() > 3 * kMaxFieldBytes) return std::nullopt;
    const std::size_t eq = pair.find('=');
    auto name = decode(pair.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value || value->size() > kMaxFieldBytes) return std::nullopt;
    form.emplace(std::move(*name), std::move(*value));
  }
  return form;
}

Target parseTarget(std::string_view target) {
  Target t;
  const std::size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto form = parseForm(target.substr(q + 1));
    if (form)
      t.query = std::move(*form);
    else
      t.ok = false;
  }
  return t;
}

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string queryEncode(std::string_view text) {
  return common::percentEncode(text);
}

}  // namespace fa::console

#include "common/percent_encoding.h"

namespace fa::common {
namespace {

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

void appendEncoded(std::string& out, unsigned char c) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  out += '%';
  out += kDigits[c >> 4];
  out += kDigits[c & 0xF];
}

}  // namespace

std::string percentEncode(std::string_view text, std::string_view also_keep) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (isUnreserved(c) || also_keep.find(static_cast<char>(c)) != std::string_view::npos)
      out += static_cast<char>(c);
    else
      appendEncoded(out, c);
  }
  return out;
}

std::string formUrlEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (isUnreserved(c))
      out += static_cast<char>(c);
    else if (c == ' ')
      out += '+';
    else
      appendEncoded(out, c);
  }
  return out;
}

std::string encodeIllegalUrlCharacters(std::string_view url) {
  static constexpr std::string_view kIllegal = " \"<>\\^`{|}";
  std::string out;
  out.reserve(url.size());
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7F || kIllegal.find(static_cast<char>(c)) != std::string_view::npos)
      appendEncoded(out, c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace fa::common

#include "record_source/record_lines.h"

namespace fa::record_source {
namespace {

// Reads one cell starting at `i`; leaves `i` on the delimiter (',' or line end) after it.
std::optional<std::string> readCell(std::string_view text, std::size_t& i, std::size_t& line) {
  if (i >= text.size() || text[i] != '"') {
    const std::size_t start = i;
    while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
      ++i;
    if (i == start) return std::nullopt;
    return std::string(text.substr(start, i - start));
  }
  std::string cell;
  ++i;  // opening quote
  while (i < text.size()) {
    const char c = text[i++];
    if (c == '"') {
      if (i < text.size() && text[i] == '"') {
        cell.push_back('"');
        ++i;
        continue;
      }
      break;  // closing quote
    }
    if (c == '\n') ++line;
    cell.push_back(c);
  }
  return cell;
}

}  // namespace

std::vector<std::vector<std::optional<std::string>>> splitCsv(std::string_view text, std::vector<std::size_t>& line_of_row) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::size_t i = 0;
  std::size_t line = 1;
  while (i < text.size()) {
    if (text[i] == '\n' || text[i] == '\r') {  // a blank line is no row
      if (text[i] == '\n') ++line;
      ++i;
      continue;
    }
    line_of_row.push_back(line);
    std::vector<std::optional<std::string>>& row = rows.emplace_back();
    while (true) {
      row.push_back(readCell(text, i, line));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
  }
  return rows;
}

}  // namespace fa::record_source

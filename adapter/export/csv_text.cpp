#include "export/csv_text.h"

#include "common/csv_field.h"

namespace fa::exports {

void appendCsvField(std::string& out, const std::string& text) {
  common::appendCsvField(out, text);
}

std::string csvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    appendCsvField(out, fields[i]);
  }
  out.push_back('\n');
  return out;
}

}  // namespace fa::exports

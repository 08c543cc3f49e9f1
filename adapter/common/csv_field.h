#pragma once
// One CSV field as RFC 4180 writes it: quoted only when it holds a comma, a quote or a line
// break, a quote inside doubled. The records, report, export and audit CSV files all use it.
#include <string>
#include <string_view>

namespace fa::common {

void appendCsvField(std::string& out, std::string_view text);
std::string csvField(std::string_view text);

}  // namespace fa::common

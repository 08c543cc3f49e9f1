#pragma once
// RFC 4180 CSV text: a field is quoted only when it holds a comma, a quote or a line break.
#include <string>
#include <vector>

namespace fa::exports {

void appendCsvField(std::string& out, const std::string& text);
// The fields joined by commas, ending in "\n".
std::string csvLine(const std::vector<std::string>& fields);

}  // namespace fa::exports

#include "report/csv_report.h"

namespace fa::report {

std::string csvCell(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string renderCsvTable(const Table& table) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      out += (i ? "," : "") + csvCell(cells[i]);
    out += "\n";
  };
  line(table.columns);
  for (const auto& row : table.rows)
    line(row);
  return out;
}

std::string renderCsvSections(const Report& report) {
  std::string out;
  for (const Table& t : reportTables(report))
    out += "# " + t.name + "\n" + renderCsvTable(t) + "\n";
  return out;
}

}  // namespace fa::report

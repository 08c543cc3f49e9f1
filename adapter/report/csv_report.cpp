#include "report/csv_report.h"

#include "common/csv_field.h"

namespace fa::report {

std::string csvCell(const std::string& cell) {
  return common::csvField(cell);
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

#pragma once
// The CSV format of `report`: one table per file ({name}.csv, written by the CLI with
// --output-dir), or all tables on one stream as sections, each headed "# {name}" and followed
// by a blank line. Lines end in \n as the records CSV does; RFC 4180 quoting (a cell with a comma, quote or line break is
// quoted).
#include <string>

#include "report/report_tables.h"

namespace fa::report {

std::string csvCell(const std::string& cell);
std::string renderCsvTable(const Table& table);
std::string renderCsvSections(const Report& report);

}  // namespace fa::report

#pragma once
// One printed record (an NDJSON object or a CSV row) as the store's typed column values, so that
// store::fromValues checks it exactly as it checks a stored row.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/record_columns.h"

namespace fa::record_source {

// The record of one NDJSON line; nullopt with `problem` set when the line is not a record.
std::optional<store::RecordValues> ndjsonRecordValues(std::string_view line, std::string& problem);

// CSV: the header names the columns (extra columns, such as ones added after the contract's,
// are ignored); each row's cells in header order.
class CsvColumns {
 public:
  // nullopt with `problem` set when a contract column is missing.
  static std::optional<CsvColumns> fromHeader(const std::vector<std::string>& header, std::string& problem);
  std::optional<store::RecordValues> values(const std::vector<std::optional<std::string>>& cells, std::string& problem) const;

 private:
  std::vector<std::size_t> cell_of_column_;  // record column -> cell index
};

// Splits CSV text into rows of cells (RFC 4180: quoted cells may hold commas, quotes and line
// breaks). An empty unquoted cell is nullopt; "" quoted is an empty string. `line_of_row` gets the
// line each row starts on (1-based).
std::vector<std::vector<std::optional<std::string>>> splitCsv(std::string_view text, std::vector<std::size_t>& line_of_row);

}  // namespace fa::record_source

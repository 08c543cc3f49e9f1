#pragma once
// The text format of `report`: a header (trial, data cut, mappings hash, record counts), then
// each table in fixed-width columns, every line at most kTextWidth columns (long cells wrap).
#include <string>

#include "report/report_model.h"
#include "report/report_tables.h"

namespace fa::report {

inline constexpr std::size_t kTextWidth = 100;

// Words of `text` in lines of at most `width` columns, continuation lines indented by `indent`.
std::string wrapText(const std::string& text, std::size_t width, std::size_t indent);
// A table in fixed-width columns; the last column wraps to keep lines within `width`.
std::string renderFixedWidth(const Table& table, std::size_t width = kTextWidth);

std::string renderText(const Report& report);

}  // namespace fa::report

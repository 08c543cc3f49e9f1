#include "record_source/record_lines.h"

#include <algorithm>
#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace fa::record_source {
namespace {

// Printed records nest one level; anything deeper is not a record. The iterative parser keeps a
// hostile line from recursing at all (docs/architecture.md: every JSON parse is depth-safe).
constexpr unsigned kParseFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

// The text columns the contract never leaves null: an empty CSV cell is an empty string there.
bool neverNull(const std::string& column) {
  return column == "subject_id" || column == "analyte" || column == "observation" || column == "status" || column == "visit" ||
         column == "unit";
}

std::optional<std::int64_t> parseInteger(std::string_view text) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return n;
}

// A column value from its printed text: integers (and booleans as 0/1) for the integer columns.
std::optional<store::ColumnValue> typedValue(std::size_t column, std::string_view text, std::string& problem) {
  const std::string& name = store::recordColumnNames()[column];
  if (!store::recordColumnHoldsInteger(column)) return store::ColumnValue(std::string(text));
  if (text == "true") return store::ColumnValue(std::int64_t{1});
  if (text == "false") return store::ColumnValue(std::int64_t{0});
  if (auto n = parseInteger(text)) return store::ColumnValue(*n);
  problem = "field " + name + " is not an integer";
  return std::nullopt;
}

std::optional<store::ColumnValue> jsonValue(std::size_t column, const rapidjson::Value& v, std::string& problem) {
  const std::string& name = store::recordColumnNames()[column];
  if (v.IsNull()) return store::ColumnValue();
  if (v.IsBool()) {
    if (store::recordColumnHoldsInteger(column)) return store::ColumnValue(std::int64_t{v.GetBool() ? 1 : 0});
    problem = "field " + name + " is not text";
    return std::nullopt;
  }
  if (v.IsString()) return typedValue(column, std::string_view(v.GetString(), v.GetStringLength()), problem);
  problem = "field " + name + " is not a value";
  return std::nullopt;
}

}  // namespace

std::optional<store::RecordValues> ndjsonRecordValues(std::string_view line, std::string& problem) {
  rapidjson::Document d;
  d.Parse<kParseFlags>(line.data(), line.size());
  if (d.HasParseError()) {
    problem = std::string("not JSON (") + rapidjson::GetParseError_En(d.GetParseError()) + " at byte " +
              std::to_string(d.GetErrorOffset()) + ")";
    return std::nullopt;
  }
  if (!d.IsObject()) {
    problem = "not a record (a JSON object)";
    return std::nullopt;
  }
  const auto& names = store::recordColumnNames();
  store::RecordValues values;
  values.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    // Through a const reference: clang refuses == on RapidJSON's non-const member iterators
    // (-Wambiguous-reversed-operator under C++20).
    const rapidjson::Document& record = d;
    auto member = record.FindMember(names[i].c_str());
    if (member == record.MemberEnd()) {
      problem = "field " + names[i] + " is missing";
      return std::nullopt;
    }
    auto value = jsonValue(i, member->value, problem);
    if (!value) return std::nullopt;
    values.push_back(std::move(*value));
  }
  return values;
}

std::optional<CsvColumns> CsvColumns::fromHeader(const std::vector<std::string>& header, std::string& problem) {
  CsvColumns columns;
  for (const std::string& name : store::recordColumnNames()) {
    auto at = std::find(header.begin(), header.end(), name);
    if (at == header.end()) {
      problem = "the header has no column " + name;
      return std::nullopt;
    }
    columns.cell_of_column_.push_back(static_cast<std::size_t>(at - header.begin()));
  }
  return columns;
}

std::optional<store::RecordValues> CsvColumns::values(const std::vector<std::optional<std::string>>& cells,
                                                      std::string& problem) const {
  const auto& names = store::recordColumnNames();
  store::RecordValues values;
  values.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::size_t cell = cell_of_column_[i];
    const std::optional<std::string> text = cell < cells.size() ? cells[cell] : std::nullopt;
    if (!text || text->empty()) {
      values.push_back(neverNull(names[i]) ? store::ColumnValue(std::string()) : store::ColumnValue());
      continue;
    }
    auto value = typedValue(i, *text, problem);
    if (!value) return std::nullopt;
    values.push_back(std::move(*value));
  }
  return values;
}

}  // namespace fa::record_source

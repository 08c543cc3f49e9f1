#include "engine/record_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/csv_field.h"
#include "fhir/json_text.h"

namespace fa::engine {
namespace {

// One cell per field; kind tells how NDJSON writes it. Strings are views into the record (no
// copy per field and record); numbers are formatted into buffers on the caller's stack.
struct Cell {
  enum class Kind { Null, String, Raw } kind = Kind::Null;
  std::string_view text;
};

Cell str(std::string_view s) {
  return {Cell::Kind::String, s};
}
Cell str(const std::string& s) {
  return str(std::string_view(s));
}
Cell str(const std::optional<std::string>& s) {
  return s ? str(std::string_view(*s)) : Cell{};
}
Cell raw(std::string_view s) {
  return {Cell::Kind::Raw, s};
}
Cell boolean(bool b) {
  return raw(b ? "true" : "false");
}

// The digits of a record's numbers: three decimals and two small integers, formatted where the
// cells are visited (no allocation per number).
struct NumberTexts {
  core::Decimal::Text value, low, high;
  std::array<char, 24> study_day{}, grade{};
};

Cell num(const std::optional<core::Decimal>& d, core::Decimal::Text& text) {
  if (!d) return {};
  text = d->text();
  return raw(text.view());
}

template <typename Integer>
Cell num(const std::optional<Integer>& i, std::array<char, 24>& text) {
  if (!i) return {};
  const auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), *i);
  if (error != std::errc()) return {};  // 24 chars hold any 64-bit integer
  return raw(std::string_view(text.data(), static_cast<std::size_t>(end - text.data())));
}

constexpr std::size_t kRecordFields = 20;

// The record's fields in contract order, their numbers formatted into `n`.
void cellsOf(const OutcomeRecord& r, NumberTexts& n, Cell (&row)[kRecordFields]) {
  row[0] = str(r.subject_id);
  row[1] = str(r.analyte);
  row[2] = str(r.observation);
  row[3] = str(r.status);
  row[4] = str(r.effective);
  row[5] = num(r.study_day, n.study_day);
  row[6] = str(r.visit);
  row[7] = boolean(r.selected);
  row[8] = boolean(r.baseline);
  row[9] = r.comparator == core::Comparator::None ? Cell{} : str(core::toString(r.comparator));
  row[10] = num(r.value, n.value);
  row[11] = str(r.unit);
  row[12] = str(r.source_value);
  row[13] = str(r.source_unit);
  row[14] = num(r.range.low, n.low);
  row[15] = num(r.range.high, n.high);
  row[16] = r.ref_source ? str(core::toString(*r.ref_source)) : Cell{};
  row[17] = r.flag ? str(core::toString(*r.flag)) : Cell{};
  row[18] = num(r.ctcae_grade, n.grade);
  row[19] = str(r.reason);
}

// "Observation/{id}/_history/{v}" -> {id, v}; "Observation/{id}" -> {id, ""}.
std::pair<std::string, std::string> referenceParts(const std::string& observation) {
  std::string_view rest(observation);
  const std::size_t slash = rest.find('/');
  rest = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
  const std::size_t history = rest.find("/_history/");
  if (history == std::string_view::npos) return {std::string(rest), ""};
  return {std::string(rest.substr(0, history)), std::string(rest.substr(history + 10))};
}

}  // namespace

const std::vector<std::string>& csvExtraFieldNames() {
  static const std::vector<std::string> names = {"observation_id", "version"};
  return names;
}

const std::vector<std::string>& recordFieldNames() {
  static const std::vector<std::string> names = {"subject_id", "analyte",    "observation",  "status",      "effective",
                                                 "study_day",  "visit",      "selected",     "baseline",    "comparator",
                                                 "value",      "unit",       "source_value", "source_unit", "ref_low",
                                                 "ref_high",   "ref_source", "flag",         "ctcae_grade", "reason"};
  return names;
}

std::string csvHeader() {
  std::string out;
  for (const auto* names : {&recordFieldNames(), &csvExtraFieldNames()}) {
    for (const std::string& name : *names) {
      if (!out.empty()) out.push_back(',');
      out += name;
    }
  }
  out.push_back('\n');
  return out;
}

namespace {

// `"name": ` for each field, with the separator before all but the first: the same for every
// record, so written once.
const std::vector<std::string>& ndjsonKeyPrefixes() {
  static const std::vector<std::string> prefixes = [] {
    if (recordFieldNames().size() != kRecordFields) throw std::logic_error("record_writer: field names and cells differ");
    std::vector<std::string> out;
    for (const std::string& name : recordFieldNames()) {
      std::string p = out.empty() ? "" : ", ";
      fhir::appendJsonString(p, name);
      p += ": ";
      out.push_back(std::move(p));
    }
    return out;
  }();
  return prefixes;
}

}  // namespace

// Sized once for the whole line and written through a pointer: appending each key, quote and
// text to the string was a call out of line per piece, 80 per record (bench/README.md).
void appendNdjson(std::string& out, const OutcomeRecord& r) {
  const auto& prefixes = ndjsonKeyPrefixes();
  NumberTexts n;
  Cell row[kRecordFields];
  cellsOf(r, n, row);
  constexpr std::string_view kNull = "null";
  std::size_t bound = 3;  // '{' and "}\n"
  for (std::size_t i = 0; i < kRecordFields; ++i)
    bound += prefixes[i].size() + (row[i].kind == Cell::Kind::String ? fhir::jsonStringBound(row[i].text.size())
                                                                     : std::max(row[i].text.size(), kNull.size()));
  const std::size_t old = out.size();
  out.resize(old + bound);
  char* at = out.data() + old;
  auto copy = [&at](std::string_view text) {
    std::memcpy(at, text.data(), text.size());
    at += text.size();
  };
  *at++ = '{';
  for (std::size_t i = 0; i < kRecordFields; ++i) {
    copy(prefixes[i]);
    switch (row[i].kind) {
      case Cell::Kind::Null:
        copy(kNull);
        break;
      case Cell::Kind::String:
        at = fhir::writeJsonString(at, row[i].text);
        break;
      case Cell::Kind::Raw:
        copy(row[i].text);
        break;
    }
  }
  copy("}\n");
  out.resize(static_cast<std::size_t>(at - out.data()));
}

void appendCsv(std::string& out, const OutcomeRecord& r) {
  NumberTexts n;
  Cell row[kRecordFields];
  cellsOf(r, n, row);
  for (std::size_t i = 0; i < kRecordFields; ++i) {
    if (i) out.push_back(',');
    if (row[i].kind != Cell::Kind::Null) common::appendCsvField(out, row[i].text);
  }
  const auto [id, version] = referenceParts(r.observation);
  out.push_back(',');
  common::appendCsvField(out, id);
  out.push_back(',');
  common::appendCsvField(out, version);
  out.push_back('\n');
}

}  // namespace fa::engine

#include "store/record_columns.h"

#include <array>

namespace fa::store {
namespace {

enum class Kind { Text, Integer };

struct Column {
  const char* name;
  Kind kind;
};

// The contract order of engine::recordFieldNames(); migrations.cpp step 3 created these columns.
constexpr std::array<Column, 20> kColumns = {{
    {"subject_id", Kind::Text},   {"analyte", Kind::Text},      {"observation", Kind::Text},    {"status", Kind::Text},
    {"effective", Kind::Text},    {"study_day", Kind::Integer}, {"visit", Kind::Text},          {"selected", Kind::Integer},
    {"baseline", Kind::Integer},  {"comparator", Kind::Text},   {"value", Kind::Text},          {"unit", Kind::Text},
    {"source_value", Kind::Text}, {"source_unit", Kind::Text},  {"ref_low", Kind::Text},        {"ref_high", Kind::Text},
    {"ref_source", Kind::Text},   {"flag", Kind::Text},         {"ctcae_grade", Kind::Integer}, {"reason", Kind::Text},
}};

ColumnValue text(const std::string& s) {
  return s;
}
ColumnValue text(const std::optional<std::string>& s) {
  return s ? ColumnValue(*s) : ColumnValue();
}
ColumnValue decimal(const std::optional<core::Decimal>& d) {
  return d ? ColumnValue(d->toString()) : ColumnValue();
}
ColumnValue integer(std::optional<std::int64_t> i) {
  return i ? ColumnValue(*i) : ColumnValue();
}
template <typename Enum>
ColumnValue enumText(const std::optional<Enum>& e) {
  return e ? ColumnValue(std::string(core::toString(*e))) : ColumnValue();
}

[[noreturn]] void throwDamaged(std::string_view label, std::size_t column, const char* what) {
  throw StoreError(std::string(label) + " " + kColumns[column].name + " " + what);
}

// Typed readers of one value; a NULL where the record has no null is damage too.
struct Reader {
  const RecordValues& v;
  std::string_view label;

  [[noreturn]] void damaged(std::size_t column, const char* what) const { throwDamaged(label, column, what); }

  std::optional<std::string> optText(std::size_t i) const {
    if (std::holds_alternative<std::monostate>(v[i])) return std::nullopt;
    if (const auto* s = std::get_if<std::string>(&v[i])) return *s;
    damaged(i, "is not text");
  }
  std::string text(std::size_t i) const {
    auto s = optText(i);
    if (!s) damaged(i, "is null");
    return *s;
  }
  std::optional<std::int64_t> optInteger(std::size_t i) const {
    if (std::holds_alternative<std::monostate>(v[i])) return std::nullopt;
    if (const auto* n = std::get_if<std::int64_t>(&v[i])) return *n;
    damaged(i, "is not an integer");
  }
  std::optional<int> optInt(std::size_t i) const {
    auto n = optInteger(i);
    if (n && (*n < INT32_MIN || *n > INT32_MAX)) damaged(i, "is out of range");
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
  }
  bool boolean(std::size_t i) const {
    auto n = optInteger(i);
    if (!n || (*n != 0 && *n != 1)) damaged(i, "is not 0 or 1");
    return *n == 1;
  }
  std::optional<core::Decimal> decimal(std::size_t i) const {
    auto s = optText(i);
    if (!s) return std::nullopt;
    auto d = core::Decimal::parse(*s);
    if (!d) damaged(i, "is not a decimal");
    return d;
  }
  // An enum from its contract text: the inverse of core::toString over `all`.
  template <typename Enum, std::size_t N>
  std::optional<Enum> enumValue(std::size_t i, const std::array<Enum, N>& all) const {
    auto s = optText(i);
    if (!s) return std::nullopt;
    for (Enum e : all)
      if (core::toString(e) == *s) return e;
    damaged(i, "holds an unknown value");
  }
};

constexpr std::array<core::Flag, 4> kFlags = {core::Flag::Normal, core::Flag::Low, core::Flag::High, core::Flag::Indeterminate};
constexpr std::array<core::RangeSource, 3> kRangeSources = {core::RangeSource::Observation, core::RangeSource::Site,
                                                            core::RangeSource::Protocol};
constexpr std::array<core::Comparator, 4> kComparators = {core::Comparator::Less, core::Comparator::LessOrEqual,
                                                          core::Comparator::Greater, core::Comparator::GreaterOrEqual};

}  // namespace

const std::vector<std::string>& recordColumnNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Column& c : kColumns)
      out.emplace_back(c.name);
    return out;
  }();
  return names;
}

bool recordColumnHoldsInteger(std::size_t index) {
  return index < kColumns.size() && kColumns[index].kind == Kind::Integer;
}

std::string recordColumnList(std::string_view prefix) {
  std::string out;
  for (const Column& c : kColumns) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += c.name;
  }
  return out;
}

RecordValues toValues(const engine::OutcomeRecord& r) {
  return {text(r.subject_id),
          text(r.analyte),
          text(r.observation),
          text(r.status),
          text(r.effective),
          integer(r.study_day),
          text(r.visit),
          integer(r.selected ? 1 : 0),
          integer(r.baseline ? 1 : 0),
          r.comparator == core::Comparator::None ? ColumnValue() : ColumnValue(std::string(core::toString(r.comparator))),
          decimal(r.value),
          text(r.unit),
          text(r.source_value),
          text(r.source_unit),
          decimal(r.range.low),
          decimal(r.range.high),
          enumText(r.ref_source),
          enumText(r.flag),
          integer(r.ctcae_grade),
          text(r.reason)};
}

engine::OutcomeRecord fromValues(const RecordValues& values, std::string_view what) {
  if (values.size() != kColumns.size()) throw StoreError("stored record: wrong number of columns");
  const Reader in{values, what};
  engine::OutcomeRecord r;
  r.subject_id = in.text(0);
  r.analyte = in.text(1);
  r.observation = in.text(2);
  r.status = in.text(3);
  r.effective = in.optText(4);
  r.study_day = in.optInt(5);
  r.visit = in.text(6);
  r.selected = in.boolean(7);
  r.baseline = in.boolean(8);
  r.comparator = in.enumValue(9, kComparators).value_or(core::Comparator::None);
  r.value = in.decimal(10);
  r.unit = in.text(11);
  r.source_value = in.optText(12);
  r.source_unit = in.optText(13);
  r.range.low = in.decimal(14);
  r.range.high = in.decimal(15);
  r.ref_source = in.enumValue(16, kRangeSources);
  r.flag = in.enumValue(17, kFlags);
  r.ctcae_grade = in.optInt(18);
  r.reason = in.optText(19);
  return r;
}

void bindValues(Statement& s, int first, const RecordValues& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const int index = first + static_cast<int>(i);
    if (const auto* t = std::get_if<std::string>(&values[i]))
      s.bind(index, std::string_view(*t));
    else if (const auto* n = std::get_if<std::int64_t>(&values[i]))
      s.bind(index, *n);
    else
      s.bindNull(index);
  }
}

RecordValues readValues(const Statement& s, int first) {
  RecordValues out;
  out.reserve(kColumns.size());
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    const int column = first + static_cast<int>(i);
    if (s.isNull(column))
      out.emplace_back();
    else if (kColumns[i].kind == Kind::Integer)
      out.emplace_back(s.integer(column));
    else
      out.emplace_back(s.text(column));
  }
  return out;
}

}  // namespace fa::store

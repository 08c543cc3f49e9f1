#pragma once
// How a typed outcome record (engine::OutcomeRecord) is kept in SQLite: one column per output
// field. The `records` table uses these names; the audit outbox the same with a "before_" or
// "after_" prefix. Decimals are exact text ("20.52"), booleans 0/1, enums their contract text
// ("<=", "high", "site"), and NULL for every null of the contract.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/outcome_record.h"
#include "store/sqlite_db.h"

namespace fa::store {

// One stored field: NULL, text or integer.
using ColumnValue = std::variant<std::monostate, std::string, std::int64_t>;
// One value per recordColumnNames() entry, in that order. Two records are stored the same
// exactly when their values are equal.
using RecordValues = std::vector<ColumnValue>;

const std::vector<std::string>& recordColumnNames();
// True for the columns kept as integers (study_day, selected, baseline, ctcae_grade; booleans 0/1).
bool recordColumnHoldsInteger(std::size_t index);
// "prefix_subject_id, prefix_analyte, ..." (no prefix: the `records` names).
std::string recordColumnList(std::string_view prefix);

RecordValues toValues(const engine::OutcomeRecord& r);
// The output fields of the record (ordering keys left at their defaults). Throws StoreError
// when a value is not what its column holds (a damaged store); its message starts with `what`
// ("stored record: column ..."), so readers of printed records can say "line 3: field ...".
engine::OutcomeRecord fromValues(const RecordValues& values, std::string_view what = "stored record: column");

// Binds the values to parameters first, first + 1, ...
void bindValues(Statement& s, int first, const RecordValues& values);
// Reads the values from columns first, first + 1, ...
RecordValues readValues(const Statement& s, int first);

}  // namespace fa::store

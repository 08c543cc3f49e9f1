#pragma once
// Record output in the docs/contract.md formats: NDJSON (one object per line, every field present,
// null where not applicable) or CSV (the same fields as columns, in the same order, then the
// columns of csvExtraFieldNames: spreadsheet users filter by resource id and version without
// taking `observation` apart).
#include <string>

#include "engine/outcome_record.h"

namespace fa::engine {

enum class RecordFormat { Ndjson, Csv };

// The field names, in contract order.
const std::vector<std::string>& recordFieldNames();

// CSV only, after the contract's fields: `observation_id` and `version`, the two parts of
// `observation` (`version` empty when the reference has none).
const std::vector<std::string>& csvExtraFieldNames();

std::string csvHeader();
void appendNdjson(std::string& out, const OutcomeRecord& r);
void appendCsv(std::string& out, const OutcomeRecord& r);

}  // namespace fa::engine

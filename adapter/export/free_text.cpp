#include "export/free_text.h"

#include <algorithm>

#include "core/decimal.h"
#include "core/units.h"

namespace fa::exports {

bool isQualitativeResult(const engine::OutcomeRecord& record) {
  return !record.value && record.flag && *record.flag != core::Flag::Indeterminate;
}

bool isFreeText(const engine::OutcomeRecord& record, const mapping::AnalyteDefinition* analyte) {
  if (!record.source_value) return false;
  const std::string& text = *record.source_value;
  if (core::Decimal::parse(text)) return false;  // a quantity's number, as written
  if (record.value) return false;                // "<20 IU/mL": read as a number with an accepted unit
  if (analyte && analyte->not_detected) {
    const auto& texts = analyte->not_detected->texts;  // normalised like display units
    if (std::find(texts.begin(), texts.end(), core::normaliseDisplayUnit(text)) != texts.end()) return false;
  }
  return true;
}

}  // namespace fa::exports

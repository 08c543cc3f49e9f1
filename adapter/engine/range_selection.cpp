#include "engine/range_selection.h"

namespace fa::engine {
namespace {

std::optional<core::Decimal> convertBound(const core::Decimal& number, const core::QuantityUnit& unit,
                                          const EvaluatedValue& value, const mapping::AnalyteDefinition& analyte) {
  const bool unitGiven = (unit.unit && !unit.unit->empty()) || (unit.code && !unit.code->empty());
  std::optional<core::UnitConversion> conversion = unitGiven ? analyte.units.find(unit).conversion : value.conversion;
  if (!conversion) return std::nullopt;
  return core::toStandardUnit(number, *conversion);
}

// One referenceRange element, or nullopt when it cannot be used.
std::optional<core::ReferenceRange> usableRange(const fhir::RangeFacts& r, const EvaluatedValue& value,
                                                const mapping::AnalyteDefinition& analyte) {
  core::ReferenceRange out;
  bool anyQuantity = false;
  for (auto [q, bound] : {std::pair{&r.low, &out.low}, std::pair{&r.high, &out.high}}) {
    if (!*q || !(*q)->value) continue;
    anyQuantity = true;
    *bound = convertBound(*(*q)->value, (*q)->unit, value, analyte);
    if (!*bound) return std::nullopt;  // a bound we cannot read makes the whole range unusable
  }
  if (!anyQuantity && r.text) {
    auto text = core::parseTextRange(*r.text);
    if (!text) return std::nullopt;
    core::QuantityUnit unit;
    if (!text->unit.empty()) unit.unit = text->unit;
    if (text->low && !(out.low = convertBound(*text->low, unit, value, analyte))) return std::nullopt;
    if (text->high && !(out.high = convertBound(*text->high, unit, value, analyte))) return std::nullopt;
  }
  if (out.empty() || (out.low && out.high && *out.low > *out.high)) return std::nullopt;
  return out;
}

// The range as the analyte's flag rule reads it, or nullopt when it gives that rule nothing.
// docs/trial-rules.md: HBV DNA (quantified_at_or_above_high) has no low flag and takes its LLOQ
// from a range's high only; a range without a high leaves the LLOQ to the next source.
std::optional<core::ReferenceRange> forFlagRule(core::ReferenceRange range, core::FlagRule rule) {
  if (rule != core::FlagRule::QuantifiedAtOrAboveHigh) return range;
  if (!range.high) return std::nullopt;
  range.low.reset();
  return range;
}

}  // namespace

SelectedRange selectRange(const fhir::ObservationFacts& facts, const EvaluatedValue& value,
                          const mapping::AnalyteDefinition& analyte, const mapping::Subject& subject) {
  const core::FlagRule rule = analyte.flag_rule;
  for (const fhir::RangeFacts& r : facts.reference_ranges) {
    auto range = usableRange(r, value, analyte);
    if (auto ruled = range ? forFlagRule(*range, rule) : std::nullopt) return {*ruled, core::RangeSource::Observation};
  }
  std::optional<core::ReferenceRange> anySex;
  for (const mapping::SiteRange& s : analyte.site_ranges) {
    auto ruled = forFlagRule(s.range, rule);
    if (!ruled) continue;
    if (!s.sex)
      anySex = ruled;
    else if (subject.sex && *s.sex == *subject.sex)
      return {*ruled, core::RangeSource::Site};
  }
  if (anySex) return {*anySex, core::RangeSource::Site};
  if (analyte.protocol_range) {
    if (auto ruled = forFlagRule(*analyte.protocol_range, rule)) return {*ruled, core::RangeSource::Protocol};
  }
  return {};
}

}  // namespace fa::engine

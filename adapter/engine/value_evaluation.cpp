#include "engine/value_evaluation.h"

#include "core/reference_range.h"

namespace fa::engine {
namespace {

// Converts a number with its unit; fills value or reason.
void convert(const core::Decimal& number, const core::QuantityUnit& unit, const mapping::AnalyteDefinition& analyte,
             EvaluatedValue& out) {
  auto lookup = analyte.units.find(unit);
  if (!lookup.conversion) {
    out.reason = lookup.unit_missing ? "no unit given"
                                     : "unit \"" + std::string(lookup.unit_used) + "\" is not accepted for " + analyte.code;
    return;
  }
  out.conversion = lookup.conversion;
  out.value = core::toStandardUnit(number, *lookup.conversion);
  if (!out.value) out.reason = "value out of range for conversion";
}

bool matchesNotDetectedText(const mapping::AnalyteDefinition& analyte, std::string_view text) {
  if (!analyte.not_detected) return false;
  const std::string normalised = core::normaliseDisplayUnit(text);  // trim + lower case + micro sign
  for (const std::string& t : analyte.not_detected->texts) {
    if (t == normalised) return true;
  }
  return false;
}

bool matchesNotDetectedCoding(const mapping::AnalyteDefinition& analyte, const fhir::CodingFacts& coding) {
  if (!analyte.not_detected) return false;
  for (const mapping::Coding& c : analyte.not_detected->codings) {
    if (c.system == coding.system && c.code == coding.code) return true;
  }
  return !coding.display.empty() && matchesNotDetectedText(analyte, coding.display);
}

}  // namespace

EvaluatedValue evaluateValue(const fhir::ObservationFacts& facts, const mapping::AnalyteDefinition& analyte) {
  EvaluatedValue out;
  switch (facts.value_kind) {
    case fhir::ValueKind::Quantity: {
      const fhir::QuantityFacts& q = facts.quantity;
      out.source_value = q.number_text;
      out.source_unit = q.unit.unit ? q.unit.unit : q.unit.code;
      out.comparator = q.comparator;
      if (!q.value) {
        out.reason =
            facts.data_absent_code ? "data absent: " + std::string(*facts.data_absent_code) : "valueQuantity has no value";
        return out;
      }
      convert(*q.value, q.unit, analyte, out);
      return out;
    }
    case fhir::ValueKind::Integer:
      out.source_value = facts.quantity.number_text;
      convert(*facts.quantity.value, core::QuantityUnit{}, analyte, out);
      return out;
    case fhir::ValueKind::String: {
      out.source_value = facts.value_string;
      if (matchesNotDetectedText(analyte, facts.value_string)) {
        out.known_flag = analyte.not_detected->flag;
        return out;
      }
      // "<20 IU/mL" as text: read it only when number and unit are both recognisable.
      if (auto tq = core::parseTextQuantity(facts.value_string)) {
        out.comparator = *core::parseComparator(tq->comparator);
        core::QuantityUnit unit;
        if (!tq->unit.empty()) unit.unit = tq->unit;
        convert(tq->value, unit, analyte, out);
        if (!out.value) out.comparator = core::Comparator::None;
        return out;
      }
      out.reason = "text result not understood";
      return out;
    }
    case fhir::ValueKind::CodeableConcept: {
      if (!facts.value_codings.empty()) {
        const fhir::CodingFacts& first = facts.value_codings.front();
        out.source_value = !first.display.empty() ? first.display : first.code;
        if (out.source_value->empty()) out.source_value.reset();
      }
      for (const fhir::CodingFacts& c : facts.value_codings) {
        if (matchesNotDetectedCoding(analyte, c)) {
          out.known_flag = analyte.not_detected->flag;
          return out;
        }
      }
      out.reason = "coded result not understood";
      return out;
    }
    case fhir::ValueKind::Unsupported:
      out.reason = "unsupported value type " + std::string(facts.value_type);
      return out;
    case fhir::ValueKind::None:
      out.reason = facts.data_absent_code ? "data absent: " + std::string(*facts.data_absent_code) : "no value";
      return out;
  }
  return out;
}

}  // namespace fa::engine

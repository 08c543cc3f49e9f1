#pragma once
// ObservationFacts: what the adapter reads from one Observation resource, as plain values.
//
// Knows FHIR R4 (value[x] choices, effective[x] fallbacks, status codes, modifier extensions)
// but nothing of the trial: matching, units and flags happen later in the engine. Numbers stay
// exact text (parse with kParseNumbersAsStringsFlag). Invalid content that FHIR forbids is
// reported as a FieldError naming the element, never echoing the (possibly identifying) value.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/civil_time.h"
#include "core/decimal.h"
#include "core/units.h"
#include "core/value_interval.h"
#include "fhir/json_text.h"

namespace fa::fhir {

// Every text is a view into the parsed JSON: the facts are valid while that document lives
// and is not changed. Copying a dozen strings per resource cost more than the JSON parse did.
struct CodingFacts {
  std::string_view system;
  std::string_view code;
  std::string_view display;
};

struct QuantityFacts {
  std::optional<std::string_view> number_text;  // exactly as in the JSON
  std::optional<core::Decimal> value;
  core::Comparator comparator = core::Comparator::None;
  core::QuantityUnit unit;
};

struct RangeFacts {
  std::optional<QuantityFacts> low;
  std::optional<QuantityFacts> high;
  std::optional<std::string_view> text;
};

enum class ValueKind { None, Quantity, String, CodeableConcept, Integer, Unsupported };

struct ObservationFacts {
  std::string_view id;
  std::string_view version_id;  // "" when meta.versionId is absent
  std::optional<core::InstantMicros> last_updated;
  std::string_view status;
  std::string_view subject_reference;                                               // "" when none
  std::optional<std::pair<std::string_view, std::string_view>> subject_identifier;  // system, value
  std::optional<core::FhirDateTime> effective;  // effectiveDateTime, Period.start, Instant, issued

  ValueKind value_kind = ValueKind::None;
  std::string_view value_type;  // "valueQuantity", ... as sent
  QuantityFacts quantity;       // Quantity and Integer
  std::string_view value_string;
  std::vector<CodingFacts> value_codings;
  std::optional<std::string_view> data_absent_code;

  std::vector<RangeFacts> reference_ranges;
  std::vector<std::string_view> modifier_extensions;  // urls found anywhere in the resource
};

struct FieldError {
  std::string field;    // "Observation.valueQuantity.value"
  std::string message;  // "is not a decimal"
};

// Observation.code.coding, read on its own: matching needs only this, and most resources of a
// hospital export match nothing.
void readCodeCodings(const JsonValue& observation, std::vector<CodingFacts>& out);

// The same codings without copying: calls visit(system, code) (string_views into the JSON, ""
// when absent) for each, in order, until it returns true. Returns whether one did. This is
// the per-resource hot path of matching, so it allocates nothing.
template <typename Visit>
bool forEachCodeCoding(const JsonValue& observation, Visit&& visit) {
  const JsonValue* code = findMember(observation, "code");
  if (!code || !code->IsObject()) return false;
  const JsonValue* codings = findMember(*code, "coding");
  if (!codings || !codings->IsArray()) return false;
  for (const JsonValue& c : codings->GetArray()) {
    if (!c.IsObject()) continue;
    if (visit(stringMember(c, "system").value_or(std::string_view()), stringMember(c, "code").value_or(std::string_view())))
      return true;
  }
  return false;
}

// Reads `observation` into `out`, which is cleared first: its vectors keep their capacity, so
// a reused ObservationFacts reads resource after resource without allocating. Returns the
// first element FHIR forbids, if any (then `out` is incomplete). `find_modifier_extensions`
// false skips the walk over every value for them: only for a resource known to have no member
// of that name (fhir::ParseNotes).
std::optional<FieldError> parseObservation(const JsonValue& observation, ObservationFacts& out,
                                           bool find_modifier_extensions = true);

bool isKnownObservationStatus(std::string_view status);

}  // namespace fa::fhir

#include "fhir/observation_facts.h"

#include <array>

namespace fa::fhir {
namespace {

// Thrown inside this file only, caught in parseObservation: keeps the happy path flat.
struct Invalid {
  FieldError error;
};

// Paths are views, joined into text only when something fails: building them for every
// element read cost an allocation each on the hot path.
[[noreturn]] void fail(std::string_view field, std::string message) {
  throw Invalid{{std::string(field), std::move(message)}};
}

[[noreturn]] void fail(std::string_view path, std::string_view member, std::string message) {
  std::string field(path);
  field += '.';
  field += member;
  fail(field, std::move(message));
}

// `v` is the member `name` of the object at `path`, already found (null: absent).
std::optional<std::string_view> foundText(const JsonValue* v, std::string_view path, std::string_view name) {
  if (!v || v->IsNull()) return std::nullopt;
  if (!v->IsString()) fail(path, name, "must be a string");
  return textOf(*v);
}

std::optional<std::string_view> optionalText(const JsonValue& object, std::string_view name, std::string_view path) {
  return foundText(findMember(object, name), path, name);
}

void readCodings(const JsonValue& codeable, std::string_view path, std::vector<CodingFacts>& out) {
  const JsonValue* codings = findMember(codeable, "coding");
  if (!codings) return;
  if (!codings->IsArray()) fail(path, "coding", "must be an array");
  for (const JsonValue& c : codings->GetArray()) {
    if (!c.IsObject()) fail(path, "coding", "entries must be objects");
    out.push_back(
        {stringMember(c, "system").value_or(""), stringMember(c, "code").value_or(""), stringMember(c, "display").value_or("")});
  }
}

// A Quantity's members, found in one pass (five lookups scanned its members five times, for
// the value and each reference range bound). With a name given twice the first counts.
struct QuantityMembers {
  const JsonValue *value = nullptr, *comparator = nullptr, *unit = nullptr, *system = nullptr, *code = nullptr;
};

QuantityMembers quantityMembers(const JsonValue& q) {
  QuantityMembers m;
  for (auto it = q.MemberBegin(); it != q.MemberEnd(); ++it) {
    const std::string_view name = textOf(it->name);
    const JsonValue** slot = name == "value"        ? &m.value
                             : name == "unit"       ? &m.unit
                             : name == "system"     ? &m.system
                             : name == "code"       ? &m.code
                             : name == "comparator" ? &m.comparator
                                                    : nullptr;
    if (slot && !*slot) *slot = &it->value;
  }
  return m;
}

QuantityFacts readQuantity(const JsonValue& q, std::string_view path) {
  if (!q.IsObject()) fail(path, "must be an object");
  const QuantityMembers m = quantityMembers(q);
  QuantityFacts out;
  if (m.value && !m.value->IsNull()) {
    // Numbers arrive as their text; a JSON string holding a number is tolerated, anything
    // else is not a decimal.
    if (!m.value->IsString()) fail(path, "value", "is not a decimal");
    const std::string_view text = textOf(*m.value);
    core::Decimal::Parsed d = core::Decimal::read(text);
    if (!d.value) fail(path, "value", std::string(core::Decimal::describe(d.error)));
    out.number_text = text;
    out.value = d.value;
  }
  if (auto c = foundText(m.comparator, path, "comparator")) {
    auto comparator = core::parseComparator(*c);
    if (!comparator) fail(path, "comparator", "must be <, <=, > or >=");
    out.comparator = *comparator;
  }
  out.unit.unit = foundText(m.unit, path, "unit");
  out.unit.system = foundText(m.system, path, "system");
  out.unit.code = foundText(m.code, path, "code");
  return out;
}

core::FhirDateTime readDateTime(const JsonValue& v, std::string_view path, std::string_view name) {
  if (!v.IsString()) fail(path, name, "must be a string");
  auto parsed = core::parseFhirDateTime(textOf(v));
  if (!parsed) fail(path, name, "is not a valid FHIR dateTime");
  return *parsed;
}

// modifierExtension anywhere: FHIR forbids processing an element whose modifier is unknown.
// Only objects and arrays are descended into: a call per string or number was most of the walk.
bool mayHoldMembers(const JsonValue& v) {
  return v.IsObject() || v.IsArray();
}

void collectModifierExtensions(const JsonValue& v, std::vector<std::string_view>& out);

// One member of an object, in document order.
void collectModifierExtensions(std::string_view name, const JsonValue& value, std::vector<std::string_view>& out) {
  if (name == "modifierExtension" && value.IsArray()) {
    for (const JsonValue& ext : value.GetArray()) {
      auto url = ext.IsObject() ? stringMember(ext, "url") : std::nullopt;
      out.push_back(url.value_or(""));
    }
  } else if (mayHoldMembers(value)) {
    collectModifierExtensions(value, out);
  }
}

void collectModifierExtensions(const JsonValue& v, std::vector<std::string_view>& out) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      collectModifierExtensions(textOf(it->name), it->value, out);
  } else if (v.IsArray()) {
    for (const JsonValue& item : v.GetArray()) {
      if (mayHoldMembers(item)) collectModifierExtensions(item, out);
    }
  }
}

// The top-level members parseObservation reads, found in one pass over the resource (which
// also collects its modifier extensions): a findMember per name scanned the members a dozen
// times. With a name given twice the first counts, as findMember has it.
struct TopLevel {
  const JsonValue *id = nullptr, *meta = nullptr, *status = nullptr, *subject = nullptr;
  const JsonValue *effective_date_time = nullptr, *effective_period = nullptr, *effective_instant = nullptr;
  const JsonValue *issued = nullptr, *data_absent_reason = nullptr, *reference_range = nullptr;
  const JsonValue* value = nullptr;  // the first value[x]
  std::string_view value_name;
};

void take(const JsonValue*& slot, const JsonValue& value) {
  if (!slot) slot = &value;
}

void index(std::string_view name, const JsonValue& value, TopLevel& top) {
  if (name.size() > 5 && name.substr(0, 5) == "value") {
    if (!top.value) {
      top.value = &value;
      top.value_name = name;
    }
  } else if (name == "id") {
    take(top.id, value);
  } else if (name == "meta") {
    take(top.meta, value);
  } else if (name == "status") {
    take(top.status, value);
  } else if (name == "subject") {
    take(top.subject, value);
  } else if (name == "effectiveDateTime") {
    take(top.effective_date_time, value);
  } else if (name == "effectivePeriod") {
    take(top.effective_period, value);
  } else if (name == "effectiveInstant") {
    take(top.effective_instant, value);
  } else if (name == "issued") {
    take(top.issued, value);
  } else if (name == "dataAbsentReason") {
    take(top.data_absent_reason, value);
  } else if (name == "referenceRange") {
    take(top.reference_range, value);
  }
}

// `modifier_extensions` null: not looked for.
TopLevel indexTopLevel(const JsonValue& obs, std::vector<std::string_view>* modifier_extensions) {
  TopLevel top;
  for (auto it = obs.MemberBegin(); it != obs.MemberEnd(); ++it) {
    const std::string_view name = textOf(it->name);
    index(name, it->value, top);
    if (modifier_extensions) collectModifierExtensions(name, it->value, *modifier_extensions);
  }
  return top;
}

void readValue(std::string_view name, const JsonValue& v, ObservationFacts& f) {
  f.value_type = name;
  if (name == "valueQuantity") {
    f.value_kind = ValueKind::Quantity;
    f.quantity = readQuantity(v, "Observation.valueQuantity");
    return;
  }
  const std::string path = "Observation." + std::string(name);  // the rarer choices
  if (name == "valueString") {
    if (!v.IsString()) fail(path, "must be a string");
    f.value_kind = ValueKind::String;
    f.value_string = textOf(v);
  } else if (name == "valueCodeableConcept") {
    if (!v.IsObject()) fail(path, "must be an object");
    f.value_kind = ValueKind::CodeableConcept;
    readCodings(v, path, f.value_codings);
  } else if (name == "valueInteger") {
    if (!v.IsString()) fail(path, "must be an integer");
    auto d = core::Decimal::parse(textOf(v));
    if (!d || !d->isWhole()) fail(path, "must be an integer");
    f.value_kind = ValueKind::Integer;
    f.quantity.number_text = textOf(v);
    f.quantity.value = d;
  } else {
    f.value_kind = ValueKind::Unsupported;
  }
}

void readMeta(const JsonValue& meta, ObservationFacts& f) {
  if (!meta.IsObject()) fail("Observation.meta", "must be an object");
  f.version_id = optionalText(meta, "versionId", "Observation.meta").value_or("");
  if (const JsonValue* updated = findMember(meta, "lastUpdated")) {
    const core::FhirDateTime at = readDateTime(*updated, "Observation.meta", "lastUpdated");
    // An instant has a time; a bare date is still taken (as 00:00 UTC) rather than losing
    // the result over a sloppy timestamp.
    if (at.precision != core::FhirDateTime::Precision::Time && at.precision != core::FhirDateTime::Precision::Day)
      fail("Observation.meta.lastUpdated", "is not an instant");
    f.last_updated = core::toSiteTime(at, 0).instant;
  }
}

void readSubject(const JsonValue& subject, ObservationFacts& f) {
  if (!subject.IsObject()) fail("Observation.subject", "must be a Reference object");
  f.subject_reference = optionalText(subject, "reference", "Observation.subject").value_or("");
  if (const JsonValue* identifier = findMember(subject, "identifier")) {
    if (!identifier->IsObject()) fail("Observation.subject.identifier", "must be an object");
    f.subject_identifier = std::make_pair(optionalText(*identifier, "system", "Observation.subject.identifier").value_or(""),
                                          optionalText(*identifier, "value", "Observation.subject.identifier").value_or(""));
  }
}

// effectiveDateTime, else effectivePeriod.start, else effectiveInstant, else issued.
void readEffective(const TopLevel& top, ObservationFacts& f) {
  const JsonValue* start = top.effective_period ? findMember(*top.effective_period, "start") : nullptr;
  if (top.effective_date_time) {
    f.effective = readDateTime(*top.effective_date_time, "Observation", "effectiveDateTime");
  } else if (start) {
    f.effective = readDateTime(*start, "Observation.effectivePeriod", "start");
  } else if (top.effective_instant) {
    f.effective = readDateTime(*top.effective_instant, "Observation", "effectiveInstant");
  } else if (top.issued) {
    f.effective = readDateTime(*top.issued, "Observation", "issued");
  }
}

void readDataAbsentReason(const JsonValue& dar, ObservationFacts& f) {
  if (!dar.IsObject()) fail("Observation.dataAbsentReason", "must be a CodeableConcept");
  std::vector<CodingFacts> codings;
  readCodings(dar, "Observation.dataAbsentReason", codings);
  const std::string_view code = codings.empty() ? stringMember(dar, "text").value_or("unknown") : codings.front().code;
  f.data_absent_code = code.empty() ? std::string_view("unknown") : code;
}

void readReferenceRanges(const JsonValue& ranges, ObservationFacts& f) {
  if (!ranges.IsArray()) fail("Observation.referenceRange", "must be an array");
  for (const JsonValue& r : ranges.GetArray()) {
    if (!r.IsObject()) fail("Observation.referenceRange", "entries must be objects");
    RangeFacts& range = f.reference_ranges.emplace_back();
    if (const JsonValue* low = findMember(r, "low")) range.low = readQuantity(*low, "Observation.referenceRange.low");
    if (const JsonValue* high = findMember(r, "high")) range.high = readQuantity(*high, "Observation.referenceRange.high");
    range.text = optionalText(r, "text", "Observation.referenceRange");
  }
}

// Back to an empty ObservationFacts, keeping what its vectors hold.
void clear(ObservationFacts& f) {
  std::vector<CodingFacts> codings = std::move(f.value_codings);
  std::vector<RangeFacts> ranges = std::move(f.reference_ranges);
  std::vector<std::string_view> modifiers = std::move(f.modifier_extensions);
  codings.clear();
  ranges.clear();
  modifiers.clear();
  f = ObservationFacts{};
  f.value_codings = std::move(codings);
  f.reference_ranges = std::move(ranges);
  f.modifier_extensions = std::move(modifiers);
}

constexpr std::array<std::string_view, 8> kStatuses = {"registered", "preliminary",      "final",  "amended", "corrected",
                                                       "cancelled",  "entered-in-error", "unknown"};

}  // namespace

bool isKnownObservationStatus(std::string_view status) {
  for (auto s : kStatuses) {
    if (s == status) return true;
  }
  return false;
}

void readCodeCodings(const JsonValue& observation, std::vector<CodingFacts>& out) {
  const JsonValue* code = findMember(observation, "code");
  if (!code || !code->IsObject()) return;
  const JsonValue* codings = findMember(*code, "coding");
  if (!codings || !codings->IsArray()) return;
  for (const JsonValue& c : codings->GetArray()) {
    if (!c.IsObject()) continue;
    out.push_back({stringMember(c, "system").value_or(""), stringMember(c, "code").value_or(""), {}});
  }
}

std::optional<FieldError> parseObservation(const JsonValue& obs, ObservationFacts& f, bool find_modifier_extensions) {
  clear(f);
  try {
    if (!obs.IsObject()) fail("Observation", "must be a JSON object");
    const TopLevel top = indexTopLevel(obs, find_modifier_extensions ? &f.modifier_extensions : nullptr);
    const std::optional<std::string_view> id = foundText(top.id, "Observation", "id");
    if (!id || id->empty()) fail("Observation.id", "is missing");
    f.id = *id;
    if (top.meta) readMeta(*top.meta, f);
    const std::optional<std::string_view> status = foundText(top.status, "Observation", "status");
    if (!status) fail("Observation.status", "is missing");
    if (!isKnownObservationStatus(*status)) fail("Observation.status", "is not an R4 ObservationStatus code");
    f.status = *status;
    if (top.subject) readSubject(*top.subject, f);
    readEffective(top, f);
    if (top.value) readValue(top.value_name, *top.value, f);
    if (top.data_absent_reason) readDataAbsentReason(*top.data_absent_reason, f);
    if (top.reference_range) readReferenceRanges(*top.reference_range, f);
    return std::nullopt;
  } catch (const Invalid& invalid) {
    return invalid.error;
  }
}

}  // namespace fa::fhir

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

std::optional<std::string> optionalText(const JsonValue& object, std::string_view name, std::string_view path) {
  const JsonValue* v = findMember(object, name);
  if (!v || v->IsNull()) return std::nullopt;
  if (!v->IsString()) fail(path, name, "must be a string");
  return std::string(v->GetString(), v->GetStringLength());
}

void readCodings(const JsonValue& codeable, std::string_view path, std::vector<CodingFacts>& out) {
  const JsonValue* codings = findMember(codeable, "coding");
  if (!codings) return;
  if (!codings->IsArray()) fail(path, "coding", "must be an array");
  for (const JsonValue& c : codings->GetArray()) {
    if (!c.IsObject()) fail(path, "coding", "entries must be objects");
    out.push_back({std::string(stringMember(c, "system").value_or("")), std::string(stringMember(c, "code").value_or("")),
                   std::string(stringMember(c, "display").value_or(""))});
  }
}

QuantityFacts readQuantity(const JsonValue& q, std::string_view path) {
  if (!q.IsObject()) fail(path, "must be an object");
  QuantityFacts out;
  if (const JsonValue* v = findMember(q, "value"); v && !v->IsNull()) {
    // Numbers arrive as their text; a JSON string holding a number is tolerated, anything
    // else is not a decimal.
    if (!v->IsString()) fail(path, "value", "is not a decimal");
    std::string text(v->GetString(), v->GetStringLength());
    core::Decimal::Parsed d = core::Decimal::read(text);
    if (!d.value) fail(path, "value", std::string(core::Decimal::describe(d.error)));
    out.number_text = text;
    out.value = d.value;
  }
  if (auto c = optionalText(q, "comparator", path)) {
    auto comparator = core::parseComparator(*c);
    if (!comparator) fail(path, "comparator", "must be <, <=, > or >=");
    out.comparator = *comparator;
  }
  out.unit.unit = optionalText(q, "unit", path);
  out.unit.system = optionalText(q, "system", path);
  out.unit.code = optionalText(q, "code", path);
  return out;
}

core::FhirDateTime readDateTime(const JsonValue& object, std::string_view name, std::string_view path) {
  const JsonValue* v = findMember(object, name);
  if (!v->IsString()) fail(path, name, "must be a string");
  auto parsed = core::parseFhirDateTime(textOf(*v));
  if (!parsed) fail(path, name, "is not a valid FHIR dateTime");
  return *parsed;
}

// modifierExtension anywhere: FHIR forbids processing an element whose modifier is unknown.
// Only objects and arrays are descended into: a call per string or number was most of the walk.
bool mayHoldMembers(const JsonValue& v) {
  return v.IsObject() || v.IsArray();
}

void collectModifierExtensions(const JsonValue& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == "modifierExtension" && it->value.IsArray()) {
        for (const JsonValue& ext : it->value.GetArray()) {
          auto url = ext.IsObject() ? stringMember(ext, "url") : std::nullopt;
          out.emplace_back(url.value_or(""));
        }
      } else if (mayHoldMembers(it->value)) {
        collectModifierExtensions(it->value, out);
      }
    }
  } else if (v.IsArray()) {
    for (const JsonValue& item : v.GetArray()) {
      if (mayHoldMembers(item)) collectModifierExtensions(item, out);
    }
  }
}

void readValue(const JsonValue& obs, ObservationFacts& f) {
  for (auto it = obs.MemberBegin(); it != obs.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.size() <= 5 || name.substr(0, 5) != "value") continue;
    f.value_type = std::string(name);
    const JsonValue& v = it->value;
    if (name == "valueQuantity") {
      f.value_kind = ValueKind::Quantity;
      f.quantity = readQuantity(v, "Observation.valueQuantity");
      return;
    }
    const std::string path = "Observation." + f.value_type;  // the rarer choices
    if (name == "valueString") {
      if (!v.IsString()) fail(path, "must be a string");
      f.value_kind = ValueKind::String;
      f.value_string = std::string(v.GetString(), v.GetStringLength());
    } else if (name == "valueCodeableConcept") {
      if (!v.IsObject()) fail(path, "must be an object");
      f.value_kind = ValueKind::CodeableConcept;
      readCodings(v, path, f.value_codings);
    } else if (name == "valueInteger") {
      if (!v.IsString()) fail(path, "must be an integer");
      auto d = core::Decimal::parse(textOf(v));
      if (!d || !d->isWhole()) fail(path, "must be an integer");
      f.value_kind = ValueKind::Integer;
      f.quantity.number_text = std::string(textOf(v));
      f.quantity.value = d;
    } else {
      f.value_kind = ValueKind::Unsupported;
    }
    return;  // value[x] has one choice only
  }
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
    out.push_back({std::string(stringMember(c, "system").value_or("")), std::string(stringMember(c, "code").value_or("")), {}});
  }
}

ObservationParse parseObservation(const JsonValue& obs) {
  try {
    if (!obs.IsObject()) fail("Observation", "must be a JSON object");
    ObservationFacts f;
    auto id = optionalText(obs, "id", "Observation");
    if (!id || id->empty()) fail("Observation.id", "is missing");
    f.id = std::move(*id);
    if (const JsonValue* meta = findMember(obs, "meta")) {
      if (!meta->IsObject()) fail("Observation.meta", "must be an object");
      f.version_id = optionalText(*meta, "versionId", "Observation.meta").value_or("");
      if (findMember(*meta, "lastUpdated")) {
        auto updated = readDateTime(*meta, "lastUpdated", "Observation.meta");
        // An instant has a time; a bare date is still taken (as 00:00 UTC) rather than losing
        // the result over a sloppy timestamp.
        if (updated.precision != core::FhirDateTime::Precision::Time && updated.precision != core::FhirDateTime::Precision::Day)
          fail("Observation.meta.lastUpdated", "is not an instant");
        f.last_updated = core::toSiteTime(updated, 0).instant;
      }
    }
    auto status = optionalText(obs, "status", "Observation");
    if (!status) fail("Observation.status", "is missing");
    if (!isKnownObservationStatus(*status)) fail("Observation.status", "is not an R4 ObservationStatus code");
    f.status = std::move(*status);

    if (const JsonValue* subject = findMember(obs, "subject")) {
      if (!subject->IsObject()) fail("Observation.subject", "must be a Reference object");
      f.subject_reference = optionalText(*subject, "reference", "Observation.subject").value_or("");
      if (const JsonValue* identifier = findMember(*subject, "identifier")) {
        if (!identifier->IsObject()) fail("Observation.subject.identifier", "must be an object");
        f.subject_identifier = std::make_pair(optionalText(*identifier, "system", "Observation.subject.identifier").value_or(""),
                                              optionalText(*identifier, "value", "Observation.subject.identifier").value_or(""));
      }
    }

    if (findMember(obs, "effectiveDateTime")) {
      f.effective = readDateTime(obs, "effectiveDateTime", "Observation");
    } else if (const JsonValue* period = findMember(obs, "effectivePeriod"); period && findMember(*period, "start")) {
      f.effective = readDateTime(*period, "start", "Observation.effectivePeriod");
    } else if (findMember(obs, "effectiveInstant")) {
      f.effective = readDateTime(obs, "effectiveInstant", "Observation");
    } else if (findMember(obs, "issued")) {
      f.effective = readDateTime(obs, "issued", "Observation");
    }

    readValue(obs, f);
    if (const JsonValue* dar = findMember(obs, "dataAbsentReason")) {
      std::vector<CodingFacts> codings;
      if (!dar->IsObject()) fail("Observation.dataAbsentReason", "must be a CodeableConcept");
      readCodings(*dar, "Observation.dataAbsentReason", codings);
      std::string code = codings.empty() ? std::string(stringMember(*dar, "text").value_or("unknown")) : codings.front().code;
      f.data_absent_code = code.empty() ? "unknown" : code;
    }

    if (const JsonValue* ranges = findMember(obs, "referenceRange")) {
      if (!ranges->IsArray()) fail("Observation.referenceRange", "must be an array");
      for (const JsonValue& r : ranges->GetArray()) {
        if (!r.IsObject()) fail("Observation.referenceRange", "entries must be objects");
        RangeFacts range;
        if (const JsonValue* low = findMember(r, "low")) range.low = readQuantity(*low, "Observation.referenceRange.low");
        if (const JsonValue* high = findMember(r, "high")) range.high = readQuantity(*high, "Observation.referenceRange.high");
        range.text = optionalText(r, "text", "Observation.referenceRange");
        f.reference_ranges.push_back(std::move(range));
      }
    }
    collectModifierExtensions(obs, f.modifier_extensions);
    return f;
  } catch (const Invalid& invalid) {
    return invalid.error;
  }
}

}  // namespace fa::fhir

#include "engine/albumin_infusion.h"

#include <algorithm>
#include <array>

#include "core/civil_time.h"

namespace fa::engine {
namespace {

using fhir::findMember;
using fhir::JsonValue;
using fhir::stringMember;

using Outcome = InfusionReading::Outcome;

// Statuses meaning nothing was (or will be) given: MedicationAdministration not-done and
// entered-in-error; MedicationRequest cancelled, entered-in-error and draft.
constexpr std::array<std::string_view, 4> kNotGiven = {"entered-in-error", "not-done", "cancelled", "draft"};

bool isAlbuminCoding(const JsonValue& codeable, const mapping::TrialConfig& config) {
  if (!codeable.IsObject()) return false;
  const JsonValue* codings = findMember(codeable, "coding");
  if (!codings || !codings->IsArray()) return false;
  for (const JsonValue& c : codings->GetArray()) {
    if (!c.IsObject()) continue;
    const std::string_view system = stringMember(c, "system").value_or("");
    const std::string_view code = stringMember(c, "code").value_or("");
    for (const mapping::Coding& albumin : config.albumin_infusion_codings) {
      if (albumin.system == system && albumin.code == code) return true;
    }
  }
  return false;
}

// The Medication a medicationReference "#id" points to among the resource's contained ones.
const JsonValue* containedMedication(const JsonValue& resource, std::string_view reference) {
  if (reference.size() < 2 || reference.front() != '#') return nullptr;
  const JsonValue* contained = findMember(resource, "contained");
  if (!contained || !contained->IsArray()) return nullptr;
  for (const JsonValue& c : contained->GetArray()) {
    if (c.IsObject() && stringMember(c, "resourceType").value_or("") == "Medication" &&
        stringMember(c, "id").value_or("") == reference.substr(1))
      return &c;
  }
  return nullptr;
}

// medicationCodeableConcept, or medicationReference to a contained Medication. A reference to a
// Medication elsewhere on the server cannot be judged from the resource alone: not albumin.
bool isAlbumin(const JsonValue& resource, const mapping::TrialConfig& config) {
  if (const JsonValue* codeable = findMember(resource, "medicationCodeableConcept")) return isAlbuminCoding(*codeable, config);
  const JsonValue* reference = findMember(resource, "medicationReference");
  if (!reference || !reference->IsObject()) return false;
  const JsonValue* medication = containedMedication(resource, stringMember(*reference, "reference").value_or(""));
  const JsonValue* code = medication ? findMember(*medication, "code") : nullptr;
  return code && isAlbuminCoding(*code, config);
}

std::optional<std::size_t> subjectOf(const JsonValue& resource, const mapping::Roster& roster, const std::string& base_url) {
  const JsonValue* subject = findMember(resource, "subject");
  if (!subject || !subject->IsObject()) return std::nullopt;
  if (auto reference = stringMember(*subject, "reference"); reference && !reference->empty()) {
    if (auto index = roster.matchReference(*reference, base_url)) return index;
  }
  const JsonValue* identifier = findMember(*subject, "identifier");
  if (!identifier || !identifier->IsObject()) return std::nullopt;
  return roster.matchIdentifier(stringMember(*identifier, "system").value_or(""),
                                stringMember(*identifier, "value").value_or(""));
}

// When it was given: effectiveDateTime, else effectivePeriod.start (administration); the order's
// authoredOn (request). The date is taken in the site zone, like a record's `effective`.
std::optional<std::string> dateOf(const JsonValue& resource, bool administration, const core::TimeZone& site_zone) {
  std::optional<std::string_view> text;
  if (administration) {
    text = stringMember(resource, "effectiveDateTime");
    if (const JsonValue* period = findMember(resource, "effectivePeriod"); !text && period && period->IsObject())
      text = stringMember(*period, "start");
  } else {
    text = stringMember(resource, "authoredOn");
  }
  if (!text) return std::nullopt;
  auto parsed = core::parseFhirDateTime(*text);
  if (!parsed) return std::nullopt;
  const core::SiteTime t = core::toSiteTime(*parsed, site_zone);
  if (!t.local_date) return std::nullopt;
  return core::formatIsoDate(*t.local_date);
}

}  // namespace

InfusionReading readAlbuminInfusion(const JsonValue& resource, const mapping::TrialConfig& config, const mapping::Roster& roster,
                                    const std::string& base_url) {
  InfusionReading out;
  if (!resource.IsObject()) return out;
  const std::string_view type = stringMember(resource, "resourceType").value_or("");
  const bool administration = type == "MedicationAdministration";
  const std::string_view id = stringMember(resource, "id").value_or("");
  if ((!administration && type != "MedicationRequest") || id.empty()) return out;
  out.resource = std::string(type) + "/" + std::string(id);
  if (!isAlbumin(resource, config)) {
    out.outcome = Outcome::NotAlbumin;
    return out;
  }
  const std::string_view status = stringMember(resource, "status").value_or("");
  if (std::find(kNotGiven.begin(), kNotGiven.end(), status) != kNotGiven.end()) {
    out.outcome = Outcome::NotGiven;
    return out;
  }
  const std::optional<std::size_t> subject = subjectOf(resource, roster, base_url);
  if (!subject) {
    out.outcome = Outcome::NotOnRoster;
    return out;
  }
  std::optional<std::string> date = dateOf(resource, administration, config.time_zone);
  if (!date) {
    out.outcome = Outcome::NoDate;
    return out;
  }
  out.outcome = Outcome::Infusion;
  out.infusion = AlbuminInfusion{roster.subject(*subject).subject_id, out.resource, std::move(*date),
                                 administration ? "administration" : "request"};
  return out;
}

std::string albuminCodeSearchValue(const mapping::TrialConfig& config) {
  std::string out;
  for (const mapping::Coding& c : config.albumin_infusion_codings)
    out += (out.empty() ? "" : ",") + c.system + "|" + c.code;
  return out;
}

}  // namespace fa::engine

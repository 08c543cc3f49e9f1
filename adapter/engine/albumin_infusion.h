#pragma once
// Albumin infusions for the screening check (docs/trial-rules.md "Screening checks"): a human
// albumin MedicationAdministration (or, where a site has only orders, MedicationRequest) reduced
// to who, when and which resource. The report marks albumin results within
// `albumin_infusion_lookback_days` after one; nothing here changes a record.
//
// Which product is albumin comes from fhir-mappings/trial.json
// `screening_checks.albumin_infusion_codings` (ATC B05AA01 by default, plus any site code),
// matched against medicationCodeableConcept or a contained Medication's code. Pure functions of
// the resource, the mappings and the roster; thread-safe.
#include <optional>
#include <string>

#include "fhir/json_text.h"
#include "mapping/roster.h"
#include "mapping/trial_config.h"

namespace fa::engine {

struct AlbuminInfusion {
  std::string subject_id;  // the roster's pseudonymous id
  std::string resource;    // "MedicationAdministration/12" or "MedicationRequest/7"
  std::string date;        // YYYY-MM-DD in the site zone
  std::string kind;        // "administration" | "request"
  friend bool operator==(const AlbuminInfusion&, const AlbuminInfusion&) = default;
};

// What reading one resource gave. Only `Infusion` carries a value; `NotGiven` tells a store to
// forget an infusion it kept for that resource (it was withdrawn, cancelled or not done).
struct InfusionReading {
  enum class Outcome {
    Infusion,
    NotAMedicationResource,  // another resourceType, or no id
    NotAlbumin,              // no coding of the medication is an albumin code
    NotGiven,                // status entered-in-error, not-done, cancelled or draft
    NotOnRoster,             // the patient is not a trial subject (counted, never logged)
    NoDate,                  // no usable date (missing, or only a year or a month)
  };
  Outcome outcome = Outcome::NotAMedicationResource;
  std::optional<AlbuminInfusion> infusion;
  std::string resource;  // "MedicationAdministration/12" when the type and id are known
};

// `base_url` restricts absolute subject references to that server ("" = any), as for records.
InfusionReading readAlbuminInfusion(const fhir::JsonValue& resource, const mapping::TrialConfig& config,
                                    const mapping::Roster& roster, const std::string& base_url = "");

// The FHIR search types and the `code` parameter value that find albumin products on a server
// ("system|code,system|code"); empty when the mappings list no albumin code.
inline constexpr const char* kInfusionResourceTypes[] = {"MedicationAdministration", "MedicationRequest"};
std::string albuminCodeSearchValue(const mapping::TrialConfig& config);

}  // namespace fa::engine

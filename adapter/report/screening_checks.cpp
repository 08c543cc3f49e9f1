#include "report/screening_checks.h"

#include <rapidjson/document.h>

#include "fhir/json_text.h"

namespace fa::report {

std::optional<ScreeningSettings> parseScreeningSettings(std::string_view trialJson, std::string* problem) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(trialJson.data(), trialJson.size());
  if (d.HasParseError() || !d.IsObject()) {
    *problem = "trial.json: not a JSON object";
    return std::nullopt;
  }
  ScreeningSettings s;
  const fhir::JsonValue* checks = fhir::findMember(d, "screening_checks");
  if (!checks) return s;
  if (!checks->IsObject()) {
    *problem = "trial.json: /screening_checks: not an object";
    return std::nullopt;
  }
  if (const fhir::JsonValue* pt = fhir::findMember(*checks, "pt_prolongation"); pt && pt->IsObject()) {
    auto number = [&](const char* name) { return core::Decimal::parse(fhir::stringMember(*pt, name).value_or("")); };
    std::optional<core::Decimal> control = number("control_seconds"), max = number("max_prolongation_seconds");
    std::optional<std::string_view> analyte = fhir::stringMember(*pt, "analyte");
    if (!control || !max || !analyte) {
      *problem =
          "trial.json: /screening_checks/pt_prolongation: analyte, control_seconds and max_prolongation_seconds are needed";
      return std::nullopt;
    }
    s.pt_prolongation = PtProlongationSetting{std::string(*analyte), *control, *max};
  }
  if (std::optional<std::string_view> days = fhir::stringMember(*checks, "albumin_infusion_lookback_days")) {
    std::optional<core::Decimal> n = core::Decimal::parse(*days);
    if (!n || !n->isWhole() || n->isNegative()) {
      *problem = "trial.json: /screening_checks/albumin_infusion_lookback_days: not a whole number of days";
      return std::nullopt;
    }
    s.albumin_infusion_lookback_days = static_cast<int>(n->toLongDouble());
  }
  return s;
}

std::string ptCriterionText(const PtProlongationCheck& check) {
  return "exclusion criterion: PT prolongation > " + check.max_prolongation_seconds.toString() + " s";
}

namespace {

PtProlongationResult checkSubject(const SubjectRecords& s, std::optional<std::size_t> baseline,
                                  std::optional<std::size_t> analyte, const PtProlongationCheck& check) {
  PtProlongationResult r;
  r.subject_id = s.subject_id;
  const engine::OutcomeRecord* pt = baseline && analyte ? s.selected[*baseline][*analyte] : nullptr;
  if (!pt) {
    r.note = "no screening " + check.analyte;
    return r;
  }
  r.observation = pt->observation;
  r.pt_seconds = pt->value;
  if (!pt->value || pt->comparator != core::Comparator::None) {
    r.note = "not evaluable: no exact value";
    return r;
  }
  // Both numbers have few decimals: the difference rounded to 4 places is exact.
  r.prolongation = core::Decimal::fromLongDouble(pt->value->toLongDouble() - check.control_seconds.toLongDouble(), 4);
  r.exclusion = r.prolongation && *r.prolongation > check.max_prolongation_seconds;
  if (r.exclusion) r.note = ptCriterionText(check);
  return r;
}

}  // namespace

PtProlongationCheck ptProlongationCheck(const CohortIndex& cohort, const mapping::TrialConfig& trial,
                                        const ScreeningSettings& settings) {
  PtProlongationCheck check;
  if (!settings.pt_prolongation) return check;
  check.configured = true;
  check.analyte = settings.pt_prolongation->analyte;
  check.control_seconds = settings.pt_prolongation->control_seconds;
  check.max_prolongation_seconds = settings.pt_prolongation->max_prolongation_seconds;
  const std::optional<std::size_t> analyte = trial.analyteIndex(check.analyte);
  for (const SubjectRecords& s : cohort.subjects) {
    check.subjects.push_back(checkSubject(s, cohort.baseline_visit, analyte, check));
    if (check.subjects.back().exclusion) ++check.exclusions;
  }
  return check;
}

AlbuminInfusionCheck albuminInfusionCheck(const ScreeningSettings& settings) {
  AlbuminInfusionCheck check;
  check.lookback_days = settings.albumin_infusion_lookback_days;
  check.note = "not run: this build reads no albumin infusion (MedicationAdministration) data";
  return check;
}

}  // namespace fa::report

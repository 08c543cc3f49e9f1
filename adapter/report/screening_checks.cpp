#include "report/screening_checks.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <tuple>

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

namespace {

using DatedInfusions = std::vector<std::pair<core::DayNumber, const engine::AlbuminInfusion*>>;

std::map<std::string, DatedInfusions, std::less<>> infusionsBySubject(const std::vector<engine::AlbuminInfusion>& infusions) {
  std::map<std::string, DatedInfusions, std::less<>> out;
  for (const engine::AlbuminInfusion& i : infusions)
    if (std::optional<core::DayNumber> day = core::parseIsoDate(i.date)) out[i.subject_id].emplace_back(*day, &i);
  for (auto& [subject, list] : out)
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string printedValue(const engine::OutcomeRecord& r) {
  return r.value ? std::string(core::toString(r.comparator)) + r.value->toString() : "";
}

// The record with the infusions 0..lookback days before its date, or nullopt when none.
std::optional<ConfoundedAlbumin> confounded(const engine::OutcomeRecord& r, const DatedInfusions& infusions, int lookback) {
  const std::optional<core::DayNumber> day = r.effective ? core::parseIsoDate(*r.effective) : std::nullopt;
  if (!day || r.status == "retracted") return std::nullopt;  // a withdrawn result is no result
  ConfoundedAlbumin c;
  for (const auto& [infused, infusion] : infusions) {
    const int after = *day - infused;
    if (after < 0 || after > lookback) continue;
    ++c.infusions;
    c.infusion = infusion->resource;  // sorted by date: the last one kept is the latest
    c.infusion_date = infusion->date;
    c.days_after = after;
  }
  if (c.infusions == 0) return std::nullopt;
  c.subject_id = r.subject_id;
  c.observation = r.observation;
  c.date = *r.effective;
  c.study_day = r.study_day;
  c.visit = r.visit;
  c.selected = r.selected;
  c.value = printedValue(r);
  c.screening = r.study_day && *r.study_day <= 1;
  return c;
}

}  // namespace

AlbuminInfusionCheck albuminInfusionCheck(const CohortIndex& cohort, const ScreeningSettings& settings,
                                          const std::vector<engine::AlbuminInfusion>& infusions, bool infusions_read) {
  AlbuminInfusionCheck check;
  check.lookback_days = settings.albumin_infusion_lookback_days;
  check.analyte = settings.albumin_analyte;
  if (!check.lookback_days) {
    check.note = "not configured (trial.json screening_checks.albumin_infusion_lookback_days)";
    return check;
  }
  if (!infusions_read) {
    check.note = "not run: albumin infusions are read from the store (report --config); records files carry none";
    return check;
  }
  check.run = true;
  check.infusions = infusions;
  const auto bySubject = infusionsBySubject(infusions);
  for (const SubjectRecords& s : cohort.subjects) {
    auto it = bySubject.find(s.subject_id);
    if (it == bySubject.end()) continue;
    for (const engine::OutcomeRecord* r : s.records)
      if (r->analyte == check.analyte)
        if (std::optional<ConfoundedAlbumin> c = confounded(*r, it->second, *check.lookback_days)) {
          check.screening_findings += c->screening ? 1 : 0;
          check.results.push_back(std::move(*c));
        }
  }
  std::stable_sort(check.results.begin(), check.results.end(), [](const ConfoundedAlbumin& a, const ConfoundedAlbumin& b) {
    return std::tie(a.subject_id, a.date, a.observation) < std::tie(b.subject_id, b.date, b.observation);
  });
  check.note = std::to_string(check.results.size()) + " " + check.analyte + " result(s) " + kConfoundedText + " (" +
               std::to_string(check.screening_findings) + " before dose 1: screening findings), " +
               std::to_string(infusions.size()) + " infusion(s) read";
  return check;
}

}  // namespace fa::report

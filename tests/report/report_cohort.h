#pragma once
// A small hand-worked cohort for the report tests, on a trial described in the test itself
// (so the tests do not change when the default fhir-mappings/ grow):
//
//   visits    BASELINE day -28..1 (target 1), W4 day 22..36 (target 29), W72 day 491..519 (target 505)
//   analytes  BILI umol/L, ALB g/L, PT s, INR 1, CREA umol/L, NA mmol/L, HBVDNA [IU]/mL (LLOQ rule);
//             CTCAE criteria on BILI, ALB and INR
//   outcomes  bilirubin_abnormal BILI high; albumin_abnormal ALB low; coagulation_abnormal PT or INR
//             high; hbv_dna_quantifiable HBVDNA high
//   roster    S01, S02, S03 with day 1 = 2026-01-01 (so day 29 = 2026-01-29, day 505 = 2027-05-20);
//             S04 without a first-dose date and without records
//
// Selected records (flag; grade where it matters):
//   S01 BASELINE day 1:  BILI 68.4 high (grade 3, day 1: not post-baseline), ALB 30 low, PT 18 high,
//                        INR 2 high, CREA 176.8, NA 130, HBVDNA 2000 high
//   S01 W4 day 29:       BILI 40 high (grade 0), HBVDNA <20 normal (below the LLOQ 20)
//   S01 W72 day 505:     BILI 15 normal (0), ALB 36 low (1), PT 13 normal, INR 1.1 normal (0),
//                        HBVDNA not detected (no value, normal)
//   S02 BASELINE day -3: BILI 10, ALB 45, PT 13, INR 1.0 (all normal), CREA 70, NA 140, HBVDNA 200000 high
//   S02 W4 day 30:       HBVDNA 2000 high
//   S02 W72 day 505:     BILI 30 high (1), ALB 38 low (1), PT 16 high, INR 1.3 high (1), HBVDNA 20 high
//                        (at the LLOQ: quantified)
//   S03 BASELINE day 1:  BILI 25 high, ALB 35 low, INR 1.2 normal, CREA <44 (comparator),
//                        HBVDNA not detected
//   S03 W4 day 25:       HBVDNA 2000 high
// Not selected: S02 BILI day 200 UNSCHEDULED 45 high grade 2 (final: counts for the worst grade),
// S02 BILI day 300 preliminary grade 3 (not usable: does not), S02 BILI day 500 retracted.
//
// Reviews: S02's W72 BILI (its current version) overridden high -> normal; S01's BASELINE ALB
// accepted; S03's BASELINE BILI overridden at version 1 while the record is at version 2
// (superseded); one decision on an Observation not among the records.
//
// Albumin infusions (look-back 21 days; ALB results: S01 2026-01-01 day 1 and 2027-05-20 day 505,
// S02 2025-12-29 day -3 and 2027-05-20 day 505, S03 2026-01-01 day 1):
//   S01 MedicationAdministration/ma-s01-1 2025-12-20 (12 days before S01's day-1 ALB) and
//       MedicationAdministration/ma-s01-2 2026-01-01 (its own day, 0 days): 2 in the window
//   S02 MedicationAdministration/ma-s02-0 2027-04-28 (22 days before W72: outside) and
//       MedicationRequest/mr-s02-1 2027-04-29 (21 days before W72: inside, the boundary)
//   S03 MedicationAdministration/ma-s03-1 2026-01-02 (after its only ALB: not before it)
#include <string>
#include <vector>

#include "core/civil_time.h"
#include "engine/outcome_record.h"
#include "mapping/trial_config.h"
#include "report/report_input.h"

namespace fa::test {

inline core::Decimal dec(const char* text) {
  return *core::Decimal::parse(text);
}

inline mapping::TrialConfig reportTrial() {
  mapping::TrialConfig t;
  t.trial_id = "TEST-TRIAL";
  t.time_zone_name = "Asia/Shanghai";
  t.time_zone = core::TimeZone::fixedOffset(480);
  t.visits = core::VisitSchedule({{"BASELINE", 1, -28, 1, true}, {"W4", 29, 22, 36, false}, {"W72", 505, 491, 519, false}});
  auto analyte = [&](const char* code, const char* unit, bool graded) {
    mapping::AnalyteDefinition a;
    a.code = code;
    a.name = code;
    a.standard_unit = unit;
    if (graded) a.ctcae = mapping::CtcaeCriterion{};
    t.analytes.push_back(a);
  };
  analyte("BILI", "umol/L", true);
  analyte("ALB", "g/L", true);
  analyte("PT", "s", false);
  analyte("INR", "1", true);
  analyte("CREA", "umol/L", false);
  analyte("NA", "mmol/L", false);
  analyte("HBVDNA", "[IU]/mL", false);
  t.analytes.back().flag_rule = core::FlagRule::QuantifiedAtOrAboveHigh;
  using core::Flag;
  t.outcomes = {{"bilirubin_abnormal", "Abnormal total bilirubin", {{0, {Flag::High}}}},
                {"albumin_abnormal", "Abnormal albumin", {{1, {Flag::Low}}}},
                {"coagulation_abnormal", "Abnormal coagulation", {{2, {Flag::High}}, {3, {Flag::High}}}},
                {"hbv_dna_quantifiable", "HBV DNA at or above LLOQ", {{6, {Flag::High}}}}};
  t.content_hash = "0123abcd";
  return t;
}

// One record, built field by field.
class Rec {
 public:
  Rec(const mapping::TrialConfig& trial, std::string subject, std::string analyte, std::string id) {
    r_.subject_id = std::move(subject);
    r_.analyte = std::move(analyte);
    r_.resource_id = std::move(id);
    r_.observation = "Observation/" + r_.resource_id + "/_history/1";
    r_.status = "final";
    r_.unit = trial.analytes[*trial.analyteIndex(r_.analyte)].standard_unit;
    r_.usable_status = true;
  }
  Rec& day(int studyDay, const std::string& visit) {
    r_.study_day = studyDay;
    r_.effective = core::formatIsoDate(core::daysFromCivil(2026, 1, 1) + (studyDay > 0 ? studyDay - 1 : studyDay));
    r_.visit = visit;
    return *this;
  }
  Rec& selected() {
    r_.selected = true;
    r_.baseline = r_.visit == "BASELINE";
    return *this;
  }
  Rec& value(const char* v, core::Flag flag) {
    r_.value = dec(v);
    r_.source_value = v;
    r_.flag = flag;
    return *this;
  }
  Rec& noValue(core::Flag flag) {
    r_.flag = flag;
    r_.source_value = "Target Not Detected";
    return *this;
  }
  Rec& comparator(core::Comparator c) {
    r_.comparator = c;
    return *this;
  }
  Rec& grade(int g) {
    r_.ctcae_grade = g;
    return *this;
  }
  Rec& range(const char* high) {
    r_.range.high = dec(high);
    return *this;
  }
  Rec& status(const std::string& s) {
    r_.status = s;
    r_.usable_status = false;
    if (s == "retracted") r_.flag.reset();
    return *this;
  }
  Rec& version(int v) {
    r_.observation = "Observation/" + r_.resource_id + "/_history/" + std::to_string(v);
    return *this;
  }
  engine::OutcomeRecord done() const { return r_; }

 private:
  engine::OutcomeRecord r_;
};

inline engine::OutcomeRecords reportRecords(const mapping::TrialConfig& t) {
  using core::Flag;
  const auto lt = core::Comparator::Less;
  engine::OutcomeRecords out;
  auto add = [&](const Rec& r) { out.push_back(r.done()); };
  // S01
  add(Rec(t, "S01", "BILI", "s01-bili-b").day(1, "BASELINE").selected().value("68.4", Flag::High).grade(3));
  add(Rec(t, "S01", "ALB", "s01-alb-b").day(1, "BASELINE").selected().value("30", Flag::Low).grade(2));
  add(Rec(t, "S01", "PT", "s01-pt-b").day(1, "BASELINE").selected().value("18", Flag::High));
  add(Rec(t, "S01", "INR", "s01-inr-b").day(1, "BASELINE").selected().value("2", Flag::High).grade(2));
  add(Rec(t, "S01", "CREA", "s01-crea-b").day(1, "BASELINE").selected().value("176.8", Flag::High));
  add(Rec(t, "S01", "NA", "s01-na-b").day(1, "BASELINE").selected().value("130", Flag::Low));
  add(Rec(t, "S01", "HBVDNA", "s01-hbv-b").day(1, "BASELINE").selected().value("2000", Flag::High).range("20"));
  add(Rec(t, "S01", "BILI", "s01-bili-w4").day(29, "W4").selected().value("40", Flag::High).grade(0));
  add(Rec(t, "S01", "HBVDNA", "s01-hbv-w4").day(29, "W4").selected().value("20", Flag::Normal).comparator(lt).range("20"));
  add(Rec(t, "S01", "BILI", "s01-bili-w72").day(505, "W72").selected().value("15", Flag::Normal).grade(0));
  add(Rec(t, "S01", "ALB", "s01-alb-w72").day(505, "W72").selected().value("36", Flag::Low).grade(1));
  add(Rec(t, "S01", "PT", "s01-pt-w72").day(505, "W72").selected().value("13", Flag::Normal));
  add(Rec(t, "S01", "INR", "s01-inr-w72").day(505, "W72").selected().value("1.1", Flag::Normal).grade(0));
  add(Rec(t, "S01", "HBVDNA", "s01-hbv-w72").day(505, "W72").selected().noValue(Flag::Normal).range("20"));
  // S02
  add(Rec(t, "S02", "BILI", "s02-bili-b").day(-3, "BASELINE").selected().value("10", Flag::Normal).grade(0));
  add(Rec(t, "S02", "ALB", "s02-alb-b").day(-3, "BASELINE").selected().value("45", Flag::Normal).grade(0));
  add(Rec(t, "S02", "PT", "s02-pt-b").day(-3, "BASELINE").selected().value("13", Flag::Normal));
  add(Rec(t, "S02", "INR", "s02-inr-b").day(-3, "BASELINE").selected().value("1.0", Flag::Normal).grade(0));
  add(Rec(t, "S02", "CREA", "s02-crea-b").day(-3, "BASELINE").selected().value("70", Flag::Normal));
  add(Rec(t, "S02", "NA", "s02-na-b").day(-3, "BASELINE").selected().value("140", Flag::Normal));
  add(Rec(t, "S02", "HBVDNA", "s02-hbv-b").day(-3, "BASELINE").selected().value("200000", Flag::High).range("20"));
  add(Rec(t, "S02", "HBVDNA", "s02-hbv-w4").day(30, "W4").selected().value("2000", Flag::High).range("20"));
  add(Rec(t, "S02", "BILI", "s02-bili-u").day(200, "UNSCHEDULED").value("45", Flag::High).grade(2));
  add(Rec(t, "S02", "BILI", "s02-bili-p").day(300, "UNSCHEDULED").value("99", Flag::High).grade(3).status("preliminary"));
  add(Rec(t, "S02", "BILI", "s02-bili-r").day(500, "W72").value("60", Flag::High).status("retracted"));
  add(Rec(t, "S02", "BILI", "s02-bili-w72").day(505, "W72").selected().value("30", Flag::High).grade(1));
  add(Rec(t, "S02", "ALB", "s02-alb-w72").day(505, "W72").selected().value("38", Flag::Low).grade(1));
  add(Rec(t, "S02", "PT", "s02-pt-w72").day(505, "W72").selected().value("16", Flag::High));
  add(Rec(t, "S02", "INR", "s02-inr-w72").day(505, "W72").selected().value("1.3", Flag::High).grade(1));
  add(Rec(t, "S02", "HBVDNA", "s02-hbv-w72").day(505, "W72").selected().value("20", Flag::High).range("20"));
  // S03
  add(Rec(t, "S03", "BILI", "s03-bili-b").day(1, "BASELINE").selected().value("25", Flag::High).grade(1).version(2));
  add(Rec(t, "S03", "ALB", "s03-alb-b").day(1, "BASELINE").selected().value("35", Flag::Low).grade(1));
  add(Rec(t, "S03", "INR", "s03-inr-b").day(1, "BASELINE").selected().value("1.2", Flag::Normal).grade(0));
  add(Rec(t, "S03", "CREA", "s03-crea-b").day(1, "BASELINE").selected().value("44", Flag::Low).comparator(lt));
  add(Rec(t, "S03", "HBVDNA", "s03-hbv-b").day(1, "BASELINE").selected().noValue(Flag::Normal).range("20"));
  add(Rec(t, "S03", "HBVDNA", "s03-hbv-w4").day(25, "W4").selected().value("2000", Flag::High).range("20"));
  return out;
}

inline std::vector<report::ReviewerDecision> reportReviews() {
  return {
      {"Observation/s01-alb-b/_history/1", "S01", "ALB", "accepted", "low", "", "Dr Monitor", "2027-05-01T02:00:00.000Z", ""},
      {"Observation/s02-bili-w72/_history/1", "S02", "BILI", "overridden", "high", "normal", "Dr Reviewer",
       "2027-05-21T03:00:00.000Z", "haemolysed sample"},
      {"Observation/s03-bili-b/_history/1", "S03", "BILI", "overridden", "high", "normal", "Dr Reviewer",
       "2026-01-05T03:00:00.000Z", "transcription error"},
      {"Observation/gone/_history/1", "S03", "ALB", "overridden", "low", "normal", "Dr Reviewer", "2026-01-06T03:00:00.000Z", ""},
  };
}

inline std::vector<engine::AlbuminInfusion> reportInfusions() {
  return {{"S01", "MedicationAdministration/ma-s01-1", "2025-12-20", "administration"},
          {"S01", "MedicationAdministration/ma-s01-2", "2026-01-01", "administration"},
          {"S02", "MedicationAdministration/ma-s02-0", "2027-04-28", "administration"},
          {"S02", "MedicationRequest/mr-s02-1", "2027-04-29", "request"},
          {"S03", "MedicationAdministration/ma-s03-1", "2026-01-02", "administration"}};
}

// The whole input; `trial` and `records` must outlive it.
inline report::ReportInput reportInput(const mapping::TrialConfig& trial, const engine::OutcomeRecords& records) {
  report::ReportInput in;
  in.trial = &trial;
  in.records = &records;
  in.reviews = reportReviews();
  in.reviews_read = true;
  in.screening.pt_prolongation = report::PtProlongationSetting{"PT", dec("12.0"), dec("3")};
  in.screening.albumin_infusion_lookback_days = 21;
  in.albumin_infusions = reportInfusions();
  in.infusions_read = true;
  const core::DayNumber day1 = core::daysFromCivil(2026, 1, 1);
  in.roster_dose1 = {{"S01", day1}, {"S02", day1}, {"S03", day1}, {"S04", std::nullopt}};
  in.as_of = core::daysFromCivil(2027, 5, 25);  // W72 closes 2027-06-03 (day 519): 9 days left
  in.source = {"test cohort", std::string("2027-05-24T16:00:00.000Z"), "0123abcd", 0};
  return in;
}

}  // namespace fa::test

#include "report/report_tables.h"

#include "report/number_format.h"

namespace fa::report {
namespace {

std::string num(int n) {
  return std::to_string(n);
}
std::string optNum(const std::optional<int>& n) {
  return n ? std::to_string(*n) : "";
}
std::string optReal(const std::optional<long double>& x) {
  return x ? formatNumber(*x) : "";
}
std::string optDec(const std::optional<core::Decimal>& d) {
  return d ? d->toString() : "";
}
std::string yesNo(bool b) {
  return b ? "yes" : "no";
}

std::string joinCodes(const std::vector<std::string>& codes) {
  std::string out;
  for (const std::string& c : codes)
    out += (out.empty() ? "" : " ") + c;
  return out;
}

Table outcomesTable(const Report& r) {
  Table t{"outcomes",
          "Outcomes: subjects assessed and abnormal (selected record per visit)",
          {"outcome", "visit", "assessed", "abnormal", "percent", "abnormal_with_overrides", "overrides_applied", "components"},
          {"", "", "", "", "", "w/ overrides", "overrides", "by analyte"}};
  for (const OutcomeCount& c : r.outcomes) {
    std::string components;
    for (const auto& [code, n] : c.components)
      components += (components.empty() ? "" : " ") + code + ":" + num(n);
    t.rows.push_back({c.outcome, c.visit, num(c.assessed), num(c.abnormal),
                      c.percent_tenths ? formatTenths(*c.percent_tenths) : "", num(c.abnormal_with_overrides),
                      num(c.overrides_applied), components});
  }
  return t;
}

Table outcomeShiftsTable(const Report& r) {
  Table t{"outcome_shifts",
          "Outcome shifts (subjects assessed at both visits; normal = assessed, not abnormal)",
          {"outcome", "from_visit", "to_visit", "subjects", "abnormal_to_normal", "normal_to_abnormal", "abnormal_to_abnormal",
           "normal_to_normal"},
          {"", "from", "to", "", "abn->norm", "norm->abn", "abn->abn", "norm->norm"}};
  for (const OutcomeShift& s : r.outcome_shifts)
    t.rows.push_back({s.outcome, s.from_visit, s.to_visit, num(s.subjects), num(s.abnormal_to_normal), num(s.normal_to_abnormal),
                      num(s.abnormal_to_abnormal), num(s.normal_to_normal)});
  return t;
}

Table analyteShiftsTable(const Report& r) {
  Table t{"analyte_shifts",
          "Analyte shifts: selected flag at the first visit (rows) against the second (columns)",
          {"analyte", "from_visit", "to_visit", "subjects", "from_flag", "to_low", "to_normal", "to_high"},
          {"", "from", "to", "", "from flag", "low", "normal", "high"}};
  for (const AnalyteShift& s : r.analyte_shifts)
    for (std::size_t i = 0; i < 3; ++i)
      t.rows.push_back({s.analyte, s.from_visit, s.to_visit, num(s.subjects), kShiftFlags[i], num(s.counts[i][0]),
                        num(s.counts[i][1]), num(s.counts[i][2])});
  return t;
}

Table hbvTable(const Report& r) {
  Table t{"hbv_dna",
          std::string("HBV DNA log10 change from baseline; ") + kHbvCensoringRule,
          {"analyte", "visit", "subjects", "below_lloq", "change_subjects", "median_log10_change", "q1", "q3"},
          {"", "", "", "below LLOQ", "with change", "median", "q1", "q3"}};
  for (const HbvDnaVisit& v : r.hbv_dna)
    t.rows.push_back({v.analyte, v.visit, num(v.subjects), num(v.below_lloq), num(v.change_subjects), optReal(v.median),
                      optReal(v.q1), optReal(v.q3)});
  return t;
}

Table hbvChangesTable(const Report& r) {
  Table t{"hbv_dna_changes",
          "HBV DNA log10 change per subject",
          {"analyte", "visit", "subject_id", "log10_change", "baseline_below_lloq", "visit_below_lloq"}};
  for (const HbvDnaVisit& v : r.hbv_dna)
    for (const HbvSubjectChange& c : v.changes)
      t.rows.push_back(
          {v.analyte, v.visit, c.subject_id, formatNumber(c.change), yesNo(c.censored_baseline), yesNo(c.censored_visit)});
  return t;
}

Table worstGradesTable(const Report& r) {
  Table t{"worst_grades",
          "Worst post-baseline CTCAE grade (usable status, study day > 1, selected or not)",
          {"analyte", "subjects", "grade_0", "grade_1", "grade_2", "grade_3", "grade_4"}};
  for (const WorstGrades& w : r.worst_grades)
    t.rows.push_back(
        {w.analyte, num(w.subjects), num(w.grades[0]), num(w.grades[1]), num(w.grades[2]), num(w.grades[3]), num(w.grades[4])});
  return t;
}

}  // namespace

std::string shortReference(const std::string& reference) {
  constexpr std::string_view prefix = "Observation/", history = "/_history/";
  if (reference.rfind(prefix, 0) != 0) return reference;
  std::string out = reference.substr(prefix.size());
  if (std::size_t h = out.find(history); h != std::string::npos) out.replace(h, history.size(), " v");
  return out;
}

std::string scoreRecordsText(const LiverScores& s, bool short_references) {
  std::string out;
  for (const ScoreInput& in : s.records) {
    const std::string ref = short_references ? shortReference(in.observation) : in.observation;
    const std::string unit = in.unit == "1" ? "" : " " + in.unit;  // INR has no unit to print
    out += (out.empty() ? "" : "; ") + in.analyte + " " + in.value.toString() + unit + " (" + ref + ")";
  }
  return out;
}

std::string missingText(const LiverScores& s) {
  std::string out;
  for (const MissingInput& m : s.missing)
    out += (out.empty() ? "" : "; ") + m.analyte + " (" + m.why + ")";
  return out;
}

namespace {

Table scoresTable(const Report& r) {
  Table t{"scores",
          std::string("Liver scores per subject and visit. ") + kMeldNote + ". " + kChildPughNote + ".",
          {"subject_id", "visit", "meld", "meld_na", "child_pugh_lab_points", "meld_missing", "meld_na_missing",
           "child_pugh_missing", "missing", "records"}};
  for (const LiverScores& s : r.scores)
    t.rows.push_back({s.subject_id, s.visit, optNum(s.meld), optNum(s.meld_na), optNum(s.child_pugh_lab_points),
                      joinCodes(s.meld_missing), joinCodes(s.meld_na_missing), joinCodes(s.child_pugh_missing), missingText(s),
                      scoreRecordsText(s, false)});
  return t;
}

Table ptTable(const Report& r) {
  const PtProlongationCheck& c = r.pt_prolongation;
  Table t{"pt_prolongation",
          "Screening check: PT prolongation (screening " + c.analyte + " minus control " + c.control_seconds.toString() + " s; " +
              ptCriterionText(c) + ")",
          {"subject_id", "observation", "pt_seconds", "control_seconds", "prolongation_seconds", "exclusion", "note"},
          {"", "", "PT s", "", "prolongation s"}};
  t.text_omit = {3};  // the control PT is in the title
  for (const PtProlongationResult& p : c.subjects)
    t.rows.push_back({p.subject_id, p.observation, optDec(p.pt_seconds), c.control_seconds.toString(), optDec(p.prolongation),
                      yesNo(p.exclusion), p.note});
  return t;
}

Table albuminTable(const Report& r) {
  const AlbuminInfusionCheck& c = r.albumin_infusion;
  Table t{"albumin_infusion",
          "Screening check: human albumin infusion 0-" + num(*c.lookback_days) + " days before an " + c.analyte +
              " result (possibly confounded; study day <= 1: a screening finding; the text format leaves out the " +
              "infusion resources): " + c.note,
          {"subject_id", "observation", "date", "study_day", "visit", "selected", "value", "infusion_date", "days_after_infusion",
           "infusions_in_window", "screening_finding", "infusion"},
          {"", "", "", "day", "", "", "", "infusion date", "days after", "", "screening"}};
  t.text_omit = {5, 9, 11};
  for (const ConfoundedAlbumin& a : c.results)
    t.rows.push_back({a.subject_id, a.observation, a.date, optNum(a.study_day), a.visit, yesNo(a.selected), a.value,
                      a.infusion_date, num(a.days_after), num(a.infusions), yesNo(a.screening), a.infusion});
  return t;
}

Table completenessTable(const Report& r) {
  const Completeness& c = r.completeness;
  Table t{"completeness",
          "Completeness to-do (as of " + c.as_of + "): outcome analytes without a selected record in closed windows and in " +
              "windows closing within " + num(c.due_days) + " days",
          {"subject_id", "visit", "window_opens", "window_closes", "state", "days_left", "missing"},
          {"", "", "opens", "closes", "", "days left", ""}};
  for (const CompletenessItem& i : c.items)
    t.rows.push_back({i.subject_id, i.visit, i.window_opens, i.window_closes, i.closed ? "closed" : "closing",
                      i.closed ? "" : num(i.days_left), joinCodes(i.missing)});
  return t;
}

Table reviewsTable(const Report& r) {
  Table t{"reviews",
          "Reviewer decisions (latest per record; counts above never change with them)",
          {"observation", "subject_id", "analyte", "decision", "flag", "override_flag", "status", "current_flag", "reviewer",
           "time", "reason"}};
  for (const ReviewRow& row : r.reviews) {
    const ReviewerDecision& d = row.decision;
    t.rows.push_back({d.observation, d.subject_id, d.analyte, d.decision, d.flag, d.override_flag, row.status, row.current_flag,
                      d.reviewer, d.time, d.reason});
  }
  return t;
}

}  // namespace

std::vector<Table> reportTables(const Report& report) {
  std::vector<Table> tables = {outcomesTable(report),   outcomeShiftsTable(report), analyteShiftsTable(report), hbvTable(report),
                               hbvChangesTable(report), worstGradesTable(report),   scoresTable(report)};
  if (report.pt_prolongation.configured) tables.push_back(ptTable(report));
  if (report.albumin_infusion.lookback_days) tables.push_back(albuminTable(report));
  tables.push_back(completenessTable(report));
  tables.push_back(reviewsTable(report));
  return tables;
}

}  // namespace fa::report

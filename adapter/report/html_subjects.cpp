#include "report/html_subjects.h"

#include <map>

#include "report/number_format.h"

namespace fa::report {
namespace {

using Data = kainjow::mustache::data;

Data stringList(const std::vector<std::string>& items) {
  Data list{Data::type::list};
  for (const std::string& s : items)
    list.push_back(Data{s});
  return list;
}

std::string valueText(const engine::OutcomeRecord& r) {
  if (r.value) return std::string(core::toString(r.comparator)) + r.value->toString();
  return r.flag == core::Flag::Normal ? "not detected" : "no value";
}

std::string flagText(const engine::OutcomeRecord& r) {
  if (!r.flag || *r.flag == core::Flag::Normal) return "";
  return std::string(core::toString(*r.flag));
}

// What the page says beside records: applied overrides and albumin marks, by observation.
struct Annotations {
  std::map<std::string, std::string> overrides, confounded;
};
Annotations annotations(const Report& report) {
  Annotations a;
  for (const ReviewRow& row : report.reviews)
    if (row.status == "applied" && row.decision.decision == "overridden")
      a.overrides[row.decision.observation] = row.decision.override_flag + " by " + row.decision.reviewer;
  for (const ConfoundedAlbumin& c : report.albumin_infusion.results)
    a.confounded[c.observation] =
        std::string(kConfoundedText) + " (" + std::to_string(c.days_after) + " days after " + c.infusion + ")";
  return a;
}

Data cell(const engine::OutcomeRecord* r, const Annotations& notes) {
  Data c;
  if (!r) return c;
  c.set("value", valueText(*r));
  if (r->flag) c.set("flag", std::string(core::toString(*r->flag)));
  if (const std::string f = flagText(*r); !f.empty()) c.set("flag_text", f);
  if (r->ctcae_grade) c.set("grade", std::to_string(*r->ctcae_grade));
  c.set("day", r->study_day ? std::to_string(*r->study_day) : "?");
  if (auto it = notes.overrides.find(r->observation); it != notes.overrides.end()) c.set("override", it->second);
  if (auto it = notes.confounded.find(r->observation); it != notes.confounded.end()) c.set("confounded", it->second);
  return c;
}

std::string otherRecordText(const engine::OutcomeRecord& r) {
  std::string t = "day " + (r.study_day ? std::to_string(*r.study_day) : std::string("?")) + " " + r.visit + " " + valueText(r);
  if (const std::string f = flagText(r); !f.empty()) t += " " + f;
  if (r.ctcae_grade) t += " G" + std::to_string(*r.ctcae_grade);
  return t + " (" + r.status + ");";
}

Data timeline(const SubjectRecords& s, const mapping::TrialConfig& trial, const Annotations& notes) {
  Data rows{Data::type::list};
  for (std::size_t a = 0; a < trial.analytes.size(); ++a) {
    std::vector<std::string> other;
    bool any = false;
    for (const engine::OutcomeRecord* r : s.records)
      if (r->analyte == trial.analytes[a].code) {
        any = true;
        if (!r->selected) other.push_back(otherRecordText(*r));
      }
    if (!any) continue;
    Data row;
    row.set("code", trial.analytes[a].code);
    row.set("unit", trial.analytes[a].standard_unit);
    Data cells{Data::type::list};
    for (std::size_t v = 0; v < s.selected.size(); ++v)
      cells.push_back(cell(s.selected[v][a], notes));
    row.set("cells", cells);
    row.set("other", stringList(other));
    rows.push_back(row);
  }
  return rows;
}

std::string reviewText(const ReviewRow& row) {
  const ReviewerDecision& d = row.decision;
  std::string t = d.observation + " " + d.analyte + ": " + d.decision + " flag " + d.flag;
  if (d.decision == "overridden") t += " -> " + d.override_flag;
  t += " by " + d.reviewer + " at " + d.time;
  if (!d.reason.empty()) t += " (" + d.reason + ")";
  return t + "; " + row.status;
}

void addScores(Data& section, const Report& report, const std::string& id) {
  Data rows{Data::type::list};
  auto score = [](const std::optional<int>& n) { return n ? std::to_string(*n) : std::string("n/c"); };
  for (const LiverScores& s : report.scores) {
    if (s.subject_id != id || s.records.empty()) continue;
    Data row;
    row.set("visit", s.visit);
    row.set("meld", score(s.meld));
    row.set("meld_na", score(s.meld_na));
    row.set("child_pugh", score(s.child_pugh_lab_points));
    std::string missing;
    for (const MissingInput& m : s.missing)
      missing += (missing.empty() ? "" : "; ") + m.analyte + " (" + m.why + ")";
    row.set("missing", missing);
    rows.push_back(row);
  }
  if (!rows.is_empty_list()) section.set("has_scores", true);
  section.set("scores", rows);
}

std::vector<std::string> hbvLines(const Report& report, const std::string& id) {
  std::vector<std::string> out;
  for (const HbvDnaVisit& v : report.hbv_dna)
    for (const HbvSubjectChange& c : v.changes)
      if (c.subject_id == id)
        out.push_back(v.analyte + " " + v.visit + ": log10 change " + formatNumber(c.change) +
                      (c.censored_baseline ? ", baseline below the LLOQ" : "") +
                      (c.censored_visit ? ", visit below the LLOQ" : ""));
  return out;
}

std::vector<std::string> screeningLines(const Report& report, const std::string& id) {
  std::vector<std::string> out;
  const PtProlongationCheck& pt = report.pt_prolongation;
  for (const PtProlongationResult& p : pt.subjects)
    if (p.subject_id == id)
      out.push_back("PT prolongation: " +
                    (p.prolongation ? p.prolongation->toString() + " s over the control " + pt.control_seconds.toString() + " s"
                                    : std::string("not computed")) +
                    (p.note.empty() ? "" : "; " + p.note));
  const AlbuminInfusionCheck& alb = report.albumin_infusion;
  if (!alb.run) {
    if (alb.lookback_days) out.push_back("albumin infusion check: " + alb.note);
    return out;
  }
  for (const engine::AlbuminInfusion& i : alb.infusions)
    if (i.subject_id == id) out.push_back("albumin infusion (" + i.kind + ") " + i.resource + " on " + i.date);
  for (const ConfoundedAlbumin& c : alb.results)
    if (c.subject_id == id)
      out.push_back(alb.analyte + " " + c.value + " on " + c.date + " (" + c.visit + "): " + kConfoundedText + ", " +
                    std::to_string(c.days_after) + " days after " + c.infusion + (c.screening ? "; screening finding" : ""));
  if (out.empty()) out.push_back("none");
  return out;
}

}  // namespace

std::string subjectAnchor(std::size_t index) {
  return "subject-" + std::to_string(index + 1);
}

Data subjectSections(const Report& report, const CohortIndex& cohort, const mapping::TrialConfig& trial) {
  const Annotations notes = annotations(report);
  Data list{Data::type::list};
  for (std::size_t i = 0; i < cohort.subjects.size(); ++i) {
    const SubjectRecords& s = cohort.subjects[i];
    Data d;
    d.set("id", s.subject_id);
    d.set("anchor", subjectAnchor(i));
    d.set("dose1", s.dose1 ? core::formatIsoDate(*s.dose1) : "unknown");
    d.set("record_count", std::to_string(s.records.size()));
    d.set("visits", stringList(cohort.visits));
    d.set("analytes", timeline(s, trial, notes));
    Data reviews{Data::type::list};
    for (const ReviewRow& row : report.reviews)
      if (row.decision.subject_id == s.subject_id) {
        Data r;
        r.set("text", reviewText(row));
        reviews.push_back(r);
      }
    if (!reviews.is_empty_list()) d.set("has_reviews", true);
    d.set("reviews", reviews);
    addScores(d, report, s.subject_id);
    const std::vector<std::string> hbv = hbvLines(report, s.subject_id);
    if (!hbv.empty()) d.set("has_hbv", true);
    d.set("hbv", stringList(hbv));
    d.set("screening", stringList(screeningLines(report, s.subject_id)));
    list.push_back(d);
  }
  return list;
}

}  // namespace fa::report

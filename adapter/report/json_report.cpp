#include "report/json_report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "report/number_format.h"

namespace fa::report {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}
void key(Writer& w, const char* k) {
  w.Key(k);
}
void raw(Writer& w, const std::string& number) {
  w.RawValue(number.c_str(), number.size(), rapidjson::kNumberType);
}
void optInt(Writer& w, const std::optional<int>& n) {
  n ? (void)w.Int(*n) : (void)w.Null();
}
void optReal(Writer& w, const std::optional<long double>& x) {
  x ? raw(w, formatNumber(*x)) : (void)w.Null();
}
void optDec(Writer& w, const std::optional<core::Decimal>& d) {
  d ? raw(w, d->toString()) : (void)w.Null();
}
void optStr(Writer& w, const std::optional<std::string>& s) {
  s ? str(w, *s) : (void)w.Null();
}
void strings(Writer& w, const std::vector<std::string>& items) {
  w.StartArray();
  for (const std::string& s : items)
    str(w, s);
  w.EndArray();
}
void size(Writer& w, std::size_t n) {
  w.Uint64(n);
}

void header(Writer& w, const Report& r) {
  key(w, "trial"), str(w, r.trial_id);
  key(w, "origin"), str(w, r.source.origin);
  key(w, "data_cut"), optStr(w, r.source.data_cut);
  key(w, "mappings_hash"), r.source.mappings_hash.empty() ? (void)w.Null() : str(w, r.source.mappings_hash);
  key(w, "as_of"), str(w, r.as_of);
  key(w, "record_counts"), w.StartObject();
  key(w, "records"), size(w, r.counts.records);
  key(w, "subjects"), size(w, r.counts.subjects);
  key(w, "selected"), size(w, r.counts.selected);
  key(w, "retracted"), size(w, r.counts.retracted);
  key(w, "not_usable"), size(w, r.counts.not_usable);
  key(w, "input_problems"), size(w, r.source.input_problems);
  w.EndObject();
}

void outcomes(Writer& w, const Report& r) {
  key(w, "outcomes"), w.StartArray();
  for (const OutcomeCount& c : r.outcomes) {
    w.StartObject();
    key(w, "outcome"), str(w, c.outcome);
    key(w, "label"), str(w, c.label);
    key(w, "visit"), str(w, c.visit);
    key(w, "assessed"), w.Int(c.assessed);
    key(w, "abnormal"), w.Int(c.abnormal);
    key(w, "percent"), c.percent_tenths ? raw(w, formatTenths(*c.percent_tenths)) : (void)w.Null();
    key(w, "components"), w.StartObject();
    for (const auto& [code, n] : c.components)
      key(w, code.c_str()), w.Int(n);
    w.EndObject();
    key(w, "abnormal_with_overrides"), w.Int(c.abnormal_with_overrides);
    key(w, "overrides_applied"), w.Int(c.overrides_applied);
    w.EndObject();
  }
  w.EndArray();
}

void shifts(Writer& w, const Report& r) {
  key(w, "outcome_shifts"), w.StartArray();
  for (const OutcomeShift& s : r.outcome_shifts) {
    w.StartObject();
    key(w, "outcome"), str(w, s.outcome);
    key(w, "from_visit"), str(w, s.from_visit);
    key(w, "to_visit"), str(w, s.to_visit);
    key(w, "subjects"), w.Int(s.subjects);
    key(w, "abnormal_to_normal"), w.Int(s.abnormal_to_normal);
    key(w, "normal_to_abnormal"), w.Int(s.normal_to_abnormal);
    key(w, "abnormal_to_abnormal"), w.Int(s.abnormal_to_abnormal);
    key(w, "normal_to_normal"), w.Int(s.normal_to_normal);
    w.EndObject();
  }
  w.EndArray();
  key(w, "analyte_shifts"), w.StartArray();
  for (const AnalyteShift& s : r.analyte_shifts) {
    w.StartObject();
    key(w, "analyte"), str(w, s.analyte);
    key(w, "from_visit"), str(w, s.from_visit);
    key(w, "to_visit"), str(w, s.to_visit);
    key(w, "subjects"), w.Int(s.subjects);
    key(w, "counts"), w.StartObject();
    for (std::size_t i = 0; i < 3; ++i) {
      key(w, kShiftFlags[i]), w.StartObject();
      for (std::size_t j = 0; j < 3; ++j)
        key(w, kShiftFlags[j]), w.Int(s.counts[i][j]);
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
}

void hbv(Writer& w, const Report& r) {
  key(w, "hbv_dna_rule"), str(w, kHbvCensoringRule);
  key(w, "hbv_dna"), w.StartArray();
  for (const HbvDnaVisit& v : r.hbv_dna) {
    w.StartObject();
    key(w, "analyte"), str(w, v.analyte);
    key(w, "visit"), str(w, v.visit);
    key(w, "subjects"), w.Int(v.subjects);
    key(w, "below_lloq"), w.Int(v.below_lloq);
    key(w, "change_subjects"), w.Int(v.change_subjects);
    key(w, "median_log10_change"), optReal(w, v.median);
    key(w, "q1"), optReal(w, v.q1);
    key(w, "q3"), optReal(w, v.q3);
    key(w, "changes"), w.StartArray();
    for (const HbvSubjectChange& c : v.changes) {
      w.StartObject();
      key(w, "subject_id"), str(w, c.subject_id);
      key(w, "log10_change"), raw(w, formatNumber(c.change));
      key(w, "baseline_below_lloq"), w.Bool(c.censored_baseline);
      key(w, "visit_below_lloq"), w.Bool(c.censored_visit);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void grades(Writer& w, const Report& r) {
  key(w, "worst_grades"), w.StartArray();
  for (const WorstGrades& g : r.worst_grades) {
    w.StartObject();
    key(w, "analyte"), str(w, g.analyte);
    key(w, "subjects"), w.Int(g.subjects);
    key(w, "grades"), w.StartArray();
    for (int n : g.grades)
      w.Int(n);
    w.EndArray();
    key(w, "by_subject"), w.StartArray();
    for (const SubjectWorstGrade& s : g.by_subject) {
      w.StartObject();
      key(w, "subject_id"), str(w, s.subject_id);
      key(w, "grade"), w.Int(s.grade);
      key(w, "observation"), str(w, s.observation);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void scores(Writer& w, const Report& r) {
  key(w, "score_notes"), strings(w, {kMeldNote, kChildPughNote});
  key(w, "scores"), w.StartArray();
  for (const LiverScores& s : r.scores) {
    w.StartObject();
    key(w, "subject_id"), str(w, s.subject_id);
    key(w, "visit"), str(w, s.visit);
    key(w, "meld"), optInt(w, s.meld);
    key(w, "meld_na"), optInt(w, s.meld_na);
    key(w, "child_pugh_lab_points"), optInt(w, s.child_pugh_lab_points);
    std::vector<std::string> codes;
    for (const MissingInput& m : s.missing)
      codes.push_back(m.analyte);
    key(w, "missing"), strings(w, codes);
    key(w, "not_computable"), w.StartObject();
    key(w, "meld"), strings(w, s.meld_missing);
    key(w, "meld_na"), strings(w, s.meld_na_missing);
    key(w, "child_pugh"), strings(w, s.child_pugh_missing);
    w.EndObject();
    key(w, "missing_reasons"), w.StartObject();
    for (const MissingInput& m : s.missing)
      key(w, m.analyte.c_str()), str(w, m.why);
    w.EndObject();
    key(w, "records"), w.StartArray();
    for (const ScoreInput& in : s.records) {
      w.StartObject();
      key(w, "analyte"), str(w, in.analyte);
      key(w, "observation"), str(w, in.observation);
      key(w, "value"), raw(w, in.value.toString());
      key(w, "unit"), str(w, in.unit);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void albuminFindings(Writer& w, const AlbuminInfusionCheck& c) {
  key(w, "analyte"), str(w, c.analyte);
  key(w, "infusions"), w.StartArray();
  for (const engine::AlbuminInfusion& i : c.infusions) {
    w.StartObject();
    key(w, "subject_id"), str(w, i.subject_id);
    key(w, "resource"), str(w, i.resource);
    key(w, "date"), str(w, i.date);
    key(w, "kind"), str(w, i.kind);
    w.EndObject();
  }
  w.EndArray();
  key(w, "screening_findings"), w.Int(c.screening_findings);
  key(w, "results"), w.StartArray();
  for (const ConfoundedAlbumin& a : c.results) {
    w.StartObject();
    key(w, "subject_id"), str(w, a.subject_id);
    key(w, "observation"), str(w, a.observation);
    key(w, "date"), str(w, a.date);
    key(w, "study_day"), optInt(w, a.study_day);
    key(w, "visit"), str(w, a.visit);
    key(w, "selected"), w.Bool(a.selected);
    key(w, "value"), str(w, a.value);
    key(w, "infusion"), str(w, a.infusion);
    key(w, "infusion_date"), str(w, a.infusion_date);
    key(w, "days_after_infusion"), w.Int(a.days_after);
    key(w, "infusions_in_window"), w.Int(a.infusions);
    key(w, "screening_finding"), w.Bool(a.screening);
    key(w, "note"), str(w, kConfoundedText);
    w.EndObject();
  }
  w.EndArray();
}

void screening(Writer& w, const Report& r) {
  const PtProlongationCheck& c = r.pt_prolongation;
  key(w, "screening"), w.StartObject();
  key(w, "pt_prolongation");
  if (!c.configured) {
    w.Null();
  } else {
    w.StartObject();
    key(w, "analyte"), str(w, c.analyte);
    key(w, "control_seconds"), raw(w, c.control_seconds.toString());
    key(w, "max_prolongation_seconds"), raw(w, c.max_prolongation_seconds.toString());
    key(w, "criterion"), str(w, ptCriterionText(c));
    key(w, "exclusions"), w.Int(c.exclusions);
    key(w, "subjects"), w.StartArray();
    for (const PtProlongationResult& p : c.subjects) {
      w.StartObject();
      key(w, "subject_id"), str(w, p.subject_id);
      key(w, "observation"), p.observation.empty() ? (void)w.Null() : str(w, p.observation);
      key(w, "pt_seconds"), optDec(w, p.pt_seconds);
      key(w, "prolongation_seconds"), optDec(w, p.prolongation);
      key(w, "exclusion"), w.Bool(p.exclusion);
      key(w, "note"), str(w, p.note);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  key(w, "albumin_infusion"), w.StartObject();
  key(w, "lookback_days"), optInt(w, r.albumin_infusion.lookback_days);
  key(w, "run"), w.Bool(r.albumin_infusion.run);
  key(w, "note"), str(w, r.albumin_infusion.note);
  albuminFindings(w, r.albumin_infusion);
  w.EndObject();
  w.EndObject();
}

void completenessJson(Writer& w, const Report& r) {
  const Completeness& c = r.completeness;
  key(w, "completeness"), w.StartObject();
  key(w, "as_of"), str(w, c.as_of);
  key(w, "due_days"), w.Int(c.due_days);
  key(w, "items"), w.StartArray();
  for (const CompletenessItem& i : c.items) {
    w.StartObject();
    key(w, "subject_id"), str(w, i.subject_id);
    key(w, "visit"), str(w, i.visit);
    key(w, "window_opens"), str(w, i.window_opens);
    key(w, "window_closes"), str(w, i.window_closes);
    key(w, "state"), str(w, i.closed ? "closed" : "closing");
    key(w, "days_left"), i.closed ? (void)w.Null() : (void)w.Int(i.days_left);
    key(w, "missing"), strings(w, i.missing);
    w.EndObject();
  }
  w.EndArray();
  key(w, "without_first_dose"), strings(w, c.without_dose1);
  w.EndObject();
}

void reviews(Writer& w, const Report& r) {
  key(w, "reviews_read"), w.Bool(r.reviews_read);
  key(w, "overrides_applied"), w.Int(r.overrides_applied);
  key(w, "reviews"), w.StartArray();
  for (const ReviewRow& row : r.reviews) {
    const ReviewerDecision& d = row.decision;
    w.StartObject();
    key(w, "observation"), str(w, d.observation);
    key(w, "subject_id"), str(w, d.subject_id);
    key(w, "analyte"), str(w, d.analyte);
    key(w, "decision"), str(w, d.decision);
    key(w, "flag"), str(w, d.flag);
    key(w, "override_flag"), d.override_flag.empty() ? (void)w.Null() : str(w, d.override_flag);
    key(w, "status"), str(w, row.status);
    key(w, "current_flag"), row.current_flag.empty() ? (void)w.Null() : str(w, row.current_flag);
    key(w, "reviewer"), str(w, d.reviewer);
    key(w, "time"), str(w, d.time);
    key(w, "reason"), str(w, d.reason);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string renderJson(const Report& report) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 1);
  w.StartObject();
  header(w, report);
  outcomes(w, report);
  shifts(w, report);
  hbv(w, report);
  grades(w, report);
  scores(w, report);
  screening(w, report);
  completenessJson(w, report);
  reviews(w, report);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace fa::report

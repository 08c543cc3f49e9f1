#include "report/liver_scores.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace fa::report {
namespace {

core::Decimal dec(const char* text) {
  return *core::Decimal::parse(text);
}

long double roundHalfAway(long double x) {
  return x < 0 ? -std::floor(-x + 0.5L) : std::floor(x + 0.5L);
}

// The analyte a formula reads, and the standard unit its coefficients assume.
struct ScoreAnalyte {
  const char* code;
  const char* unit;
};
constexpr ScoreAnalyte kCreatinine{"CREA", "umol/L"}, kBilirubin{"BILI", "umol/L"}, kInr{"INR", "1"}, kSodium{"NA", "mmol/L"},
    kAlbumin{"ALB", "g/L"};
constexpr ScoreAnalyte kAllInputs[] = {kCreatinine, kBilirubin, kInr, kSodium, kAlbumin};

// One visit's usable inputs, and why the others are not.
struct VisitInputs {
  std::map<std::string, core::Decimal> values;
  std::map<std::string, std::string> unusable;  // code -> why
};

std::optional<std::string> whyUnusable(const engine::OutcomeRecord* r, const ScoreAnalyte& a, bool defined) {
  if (!defined) return "not in fhir-mappings";
  if (!r) return "no selected record";
  if (r->comparator != core::Comparator::None) return "comparator value " + std::string(core::toString(r->comparator));
  if (!r->value) return "no value";
  if (r->unit != a.unit) return "unit " + r->unit + ", the formula needs " + a.unit;
  return std::nullopt;
}

VisitInputs readInputs(const SubjectRecords& s, std::size_t visit, const mapping::TrialConfig& trial, LiverScores& out) {
  VisitInputs in;
  for (const ScoreAnalyte& a : kAllInputs) {
    std::optional<std::size_t> index = trial.analyteIndex(a.code);
    const engine::OutcomeRecord* r = index ? s.selected[visit][*index] : nullptr;
    if (std::optional<std::string> why = whyUnusable(r, a, index.has_value())) {
      in.unusable[a.code] = *why;
      continue;
    }
    in.values.emplace(a.code, *r->value);
    out.records.push_back({a.code, r->observation, *r->value, r->unit});
  }
  return in;
}

// The codes of `needed` that are unusable; each also goes to `missing` once.
std::vector<std::string> missingOf(const VisitInputs& in, std::initializer_list<ScoreAnalyte> needed, LiverScores& out) {
  std::vector<std::string> codes;
  for (const ScoreAnalyte& a : needed) {
    auto it = in.unusable.find(a.code);
    if (it == in.unusable.end()) continue;
    codes.push_back(a.code);
    auto known = std::find_if(out.missing.begin(), out.missing.end(), [&](const MissingInput& m) { return m.analyte == a.code; });
    if (known == out.missing.end()) out.missing.push_back({a.code, it->second});
  }
  return codes;
}

}  // namespace

int meldScore(const core::Decimal& creatinine_umol, const core::Decimal& bilirubin_umol, const core::Decimal& inr,
              int* unbounded) {
  const long double cr = std::clamp(creatinine_umol.toLongDouble() / 88.4L, 1.0L, 4.0L);
  const long double bili = std::max(bilirubin_umol.toLongDouble() / 17.1L, 1.0L);
  const long double ratio = std::max(inr.toLongDouble(), 1.0L);
  const long double meldI = 0.957L * std::log(cr) + 0.378L * std::log(bili) + 1.120L * std::log(ratio) + 0.643L;
  const int tenfold = static_cast<int>(roundHalfAway(meldI * 10.0L));
  if (unbounded) *unbounded = tenfold;
  return std::clamp(tenfold, 6, 40);
}

int meldNaScore(int meld_unbounded, const core::Decimal& sodium_mmol) {
  if (meld_unbounded <= 11) return std::clamp(meld_unbounded, 6, 40);
  const long double na = std::clamp(sodium_mmol.toLongDouble(), 125.0L, 137.0L);
  const long double m = meld_unbounded;
  const long double score = m + 1.32L * (137.0L - na) - 0.033L * m * (137.0L - na);
  return std::clamp(static_cast<int>(roundHalfAway(score)), 6, 40);
}

int childPughLabPoints(const core::Decimal& bilirubin_umol, const core::Decimal& albumin_g_l, const core::Decimal& inr) {
  const int bili = bilirubin_umol < dec("34.2") ? 1 : (bilirubin_umol <= dec("51.3") ? 2 : 3);
  const int alb = albumin_g_l > dec("35") ? 1 : (albumin_g_l >= dec("28") ? 2 : 3);
  const int ratio = inr < dec("1.7") ? 1 : (inr <= dec("2.3") ? 2 : 3);
  return bili + alb + ratio;
}

LiverScores liverScoresAt(const SubjectRecords& subject, std::size_t visit, const std::string& visit_name,
                          const mapping::TrialConfig& trial) {
  LiverScores out;
  out.subject_id = subject.subject_id;
  out.visit = visit_name;
  const VisitInputs in = readInputs(subject, visit, trial, out);
  out.meld_missing = missingOf(in, {kCreatinine, kBilirubin, kInr}, out);
  out.meld_na_missing = missingOf(in, {kCreatinine, kBilirubin, kInr, kSodium}, out);
  out.child_pugh_missing = missingOf(in, {kBilirubin, kAlbumin, kInr}, out);
  auto value = [&](const ScoreAnalyte& a) { return in.values.at(a.code); };
  int unbounded = 0;
  if (out.meld_missing.empty()) out.meld = meldScore(value(kCreatinine), value(kBilirubin), value(kInr), &unbounded);
  if (out.meld_na_missing.empty()) out.meld_na = meldNaScore(unbounded, value(kSodium));
  if (out.child_pugh_missing.empty())
    out.child_pugh_lab_points = childPughLabPoints(value(kBilirubin), value(kAlbumin), value(kInr));
  return out;
}

std::vector<LiverScores> liverScores(const CohortIndex& cohort, const mapping::TrialConfig& trial) {
  std::vector<LiverScores> out;
  for (const SubjectRecords& s : cohort.subjects)
    for (std::size_t v = 0; v < cohort.visits.size(); ++v)
      out.push_back(liverScoresAt(s, v, cohort.visits[v], trial));
  return out;
}

}  // namespace fa::report

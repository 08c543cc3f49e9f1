#include "report/html_chart_data.h"

#include <algorithm>
#include <map>

namespace fa::report {
namespace {

double number(const core::Decimal& d) {
  return static_cast<double>(d.toLongDouble());
}

std::string pointLabel(const engine::OutcomeRecord& r, const std::string& shown) {
  std::string label = r.subject_id + " " + r.visit + " day " + std::to_string(*r.study_day) + ": " + shown;
  if (r.flag) label += " " + std::string(core::toString(*r.flag));
  if (r.ctcae_grade) label += ", grade " + std::to_string(*r.ctcae_grade);
  if (!r.selected) label += " (not selected)";
  return label;
}

// The range most records carry, by (low, high) text: deterministic, ties to the smaller key.
std::optional<core::ReferenceRange> commonRange(const std::vector<const engine::OutcomeRecord*>& records) {
  std::map<std::pair<std::string, std::string>, std::pair<int, core::ReferenceRange>> counts;
  for (const engine::OutcomeRecord* r : records) {
    if (r->range.empty()) continue;
    auto& entry = counts[{r->range.low ? r->range.low->toString() : "", r->range.high ? r->range.high->toString() : ""}];
    ++entry.first;
    entry.second = r->range;
  }
  const std::pair<int, core::ReferenceRange>* best = nullptr;
  for (const auto& [key, entry] : counts)
    if (!best || entry.first > best->first) best = &entry;
  return best ? std::optional<core::ReferenceRange>(best->second) : std::nullopt;
}

void setBand(ChartInput& chart, const mapping::AnalyteDefinition& a, const std::vector<const engine::OutcomeRecord*>& records) {
  const bool fromProtocol = a.protocol_range && !a.protocol_range->empty();
  const std::optional<core::ReferenceRange> range = fromProtocol ? a.protocol_range : commonRange(records);
  if (!range) return;
  const std::string source = fromProtocol ? "protocol range" : "the range most records carry";
  if (a.flag_rule == core::FlagRule::QuantifiedAtOrAboveHigh) {
    // The LLOQ rule: below the LLOQ is the normal result, so the band runs up to it.
    if (!range->high) return;
    chart.lloq = number(*range->high);
    chart.band_high = chart.lloq;
    chart.band_text = "below " + range->high->toString() + " " + a.standard_unit + " (" + source + ")";
    return;
  }
  if (range->low) chart.band_low = number(*range->low);
  if (range->high) chart.band_high = number(*range->high);
  chart.band_text = (range->low ? range->low->toString() : "") + "-" + (range->high ? range->high->toString() : "") + " " +
                    a.standard_unit + " (" + source + ")";
}

}  // namespace

std::optional<ChartPoint> chartPoint(const engine::OutcomeRecord& r, bool lloq_rule) {
  if (r.status == "retracted" || !r.study_day) return std::nullopt;
  ChartPoint p;
  p.week = *r.study_day / 7.0;
  p.selected = r.selected;
  if (r.value) {
    p.value = number(*r.value);
    p.bound = r.comparator != core::Comparator::None;
    p.label = pointLabel(r, std::string(core::toString(r.comparator)) + r.value->toString() + " " + r.unit);
  } else if (lloq_rule && r.flag == core::Flag::Normal && r.range.high) {
    p.value = number(*r.range.high);  // not detected: drawn at the LLOQ
    p.bound = true;
    p.label = pointLabel(r, "not detected");
  } else {
    return std::nullopt;
  }
  return p;
}

ChartInput analyteChartInput(const CohortIndex& cohort, const mapping::TrialConfig& trial, std::size_t analyte) {
  const mapping::AnalyteDefinition& a = trial.analytes[analyte];
  const bool lloqRule = a.flag_rule == core::FlagRule::QuantifiedAtOrAboveHigh;
  ChartInput chart;
  chart.analyte = a.code;
  chart.unit = a.standard_unit;
  chart.log_scale = lloqRule;  // viral loads span 20 to 10^8 IU/mL
  chart.windows = trial.visits.windows();
  std::vector<const engine::OutcomeRecord*> all;
  for (std::size_t i = 0; i < cohort.subjects.size(); ++i) {
    const SubjectRecords& s = cohort.subjects[i];
    ChartSeries series{s.subject_id, i, {}};
    std::vector<std::pair<core::StudyDay, ChartPoint>> dated;
    for (const engine::OutcomeRecord* r : s.records) {
      if (r->analyte != a.code) continue;
      all.push_back(r);
      if (std::optional<ChartPoint> p = chartPoint(*r, lloqRule)) dated.emplace_back(*r->study_day, std::move(*p));
    }
    std::stable_sort(dated.begin(), dated.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (auto& [day, p] : dated)
      series.points.push_back(std::move(p));
    if (!series.points.empty()) chart.series.push_back(std::move(series));
  }
  setBand(chart, a, all);
  return chart;
}

}  // namespace fa::report

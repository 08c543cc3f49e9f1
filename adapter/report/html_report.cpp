#include "report/html_report.h"

#include <kainjow/mustache.hpp>

#include <cstdio>

#include "report/html_chart_data.h"
#include "report/html_subjects.h"
#include "report/html_templates.h"
#include "report/report_tables.h"

namespace fa::report {
namespace {

using Data = kainjow::mustache::data;

bool isNumber(const std::string& cell) {
  return !cell.empty() && cell.find_first_not_of("0123456789.-") == std::string::npos;
}

std::string heading(const Table& t, std::size_t i) {
  std::string h = i < t.text_columns.size() && !t.text_columns[i].empty() ? t.text_columns[i] : t.columns[i];
  for (char& c : h)
    if (c == '_') c = ' ';
  return h;
}

void setHeader(Data& d, const Report& r) {
  d.set("trial", r.trial_id);
  d.set("data_cut", r.source.data_cut.value_or("unknown"));
  d.set("mappings_hash", r.source.mappings_hash.empty() ? "unknown" : r.source.mappings_hash);
  d.set("origin", r.source.origin);
  d.set("as_of", r.as_of);
  d.set("records", std::to_string(r.counts.records));
  d.set("selected", std::to_string(r.counts.selected));
  d.set("retracted", std::to_string(r.counts.retracted));
  d.set("not_usable", std::to_string(r.counts.not_usable));
  d.set("subject_count", std::to_string(r.counts.subjects));
  if (r.source.input_problems > 0) d.set("input_problems", std::to_string(r.source.input_problems));
}

Data tableData(const Table& t) {
  Data d;
  d.set("name", t.name);
  d.set("title", t.title);
  Data columns{Data::type::list};
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    columns.push_back(Data{heading(t, i)});
  d.set("columns", columns);
  Data rows{Data::type::list};
  for (const std::vector<std::string>& row : t.rows) {
    Data cells{Data::type::list};
    for (const std::string& text : row) {
      Data c;
      c.set("text", text);
      if (isNumber(text)) c.set("num", true);
      cells.push_back(c);
    }
    Data r;
    r.set("cells", cells);
    rows.push_back(r);
  }
  d.set("rows", rows);
  if (!t.rows.empty()) d.set("has_rows", true);
  return d;
}

// Every table but the per-subject ones (scores, HBV DNA changes), which the subject sections show.
Data tablesData(const Report& r) {
  Data list{Data::type::list};
  for (const Table& t : reportTables(r))
    if (t.name != "scores" && t.name != "hbv_dna_changes") list.push_back(tableData(t));
  return list;
}

Data chartData(const ChartInput& chart) {
  Data d;
  d.set("analyte", chart.analyte);
  d.set("unit", chart.unit);
  if (!chart.band_text.empty()) d.set("band_text", chart.band_text);
  if (chart.lloq) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *chart.lloq);
    d.set("lloq", std::string(buf));
  }
  if (chart.log_scale) d.set("log", true);
  d.set("svg", chartSvg(chart));
  Data legend{Data::type::list};
  for (const ChartSeries& s : chart.series) {
    Data l;
    l.set("subject", s.subject_id);
    l.set("colour", seriesColour(s.colour));
    legend.push_back(l);
  }
  d.set("legend", legend);
  return d;
}

Data chartsData(const CohortIndex& cohort, const mapping::TrialConfig& trial) {
  Data list{Data::type::list};
  for (std::size_t a = 0; a < trial.analytes.size(); ++a) {
    const ChartInput chart = analyteChartInput(cohort, trial, a);
    if (!chart.series.empty()) list.push_back(chartData(chart));
  }
  return list;
}

}  // namespace

std::string renderHtml(const Report& report, const ReportInput& input) {
  const mapping::TrialConfig& trial = *input.trial;
  const CohortIndex cohort = indexCohort(*input.records, trial, input.roster_dose1);
  Data d;
  setHeader(d, report);
  d.set("css", styleSheet());
  d.set("tables", tablesData(report));
  d.set("charts", chartsData(cohort, trial));
  d.set("subjects", subjectSections(report, cohort, trial));
  Data links{Data::type::list};
  for (std::size_t i = 0; i < cohort.subjects.size(); ++i) {
    Data l;
    l.set("id", cohort.subjects[i].subject_id);
    l.set("anchor", subjectAnchor(i));
    links.push_back(l);
  }
  d.set("subject_links", links);
  kainjow::mustache::mustache page{pageTemplate()};
  return page.render(d);
}

}  // namespace fa::report

#include "engine/outcome_tables.h"

#include <algorithm>
#include <cstdio>

namespace fa::engine {
namespace {

bool abnormalFor(const mapping::AnalyteDefinition& analyte, core::Flag flag, const mapping::TrialConfig& config) {
  for (const mapping::OutcomeDefinition& o : config.outcomes) {
    for (const auto& c : o.abnormal_when) {
      if (config.analytes[c.analyte].code != analyte.code) continue;
      if (std::find(c.flags.begin(), c.flags.end(), flag) != c.flags.end()) return true;
    }
  }
  return false;
}

// Supporting analytes (CREA, NA: docs/trial-rules.md) are named by no outcome: a per-analyte row
// for them would always read "0 abnormal", so the tables leave them out.
bool namedByAnOutcome(const mapping::AnalyteDefinition& analyte, const mapping::TrialConfig& config) {
  for (const mapping::OutcomeDefinition& o : config.outcomes) {
    for (const auto& c : o.abnormal_when) {
      if (config.analytes[c.analyte].code == analyte.code) return true;
    }
  }
  return false;
}

std::string cell(const std::pair<int, int>& counts) {
  if (counts.second == 0) return "-";
  return std::to_string(counts.first) + "/" + std::to_string(counts.second);
}

void renderTable(std::string& out, const std::string& title, const std::vector<std::string>& visits,
                 const std::vector<std::pair<std::string, std::map<std::string, std::pair<int, int>>>>& rows) {
  std::size_t labelWidth = title.size();
  for (const auto& row : rows)
    labelWidth = std::max(labelWidth, row.first.size());
  char buf[64];
  out += title + std::string(labelWidth - title.size(), ' ');
  for (const std::string& v : visits) {
    std::snprintf(buf, sizeof buf, " %9s", v.c_str());
    out += buf;
  }
  out += "\n";
  for (const auto& [label, byVisit] : rows) {
    out += label + std::string(labelWidth - label.size(), ' ');
    for (const std::string& v : visits) {
      auto it = byVisit.find(v);
      std::snprintf(buf, sizeof buf, " %9s", it == byVisit.end() ? "-" : cell(it->second).c_str());
      out += buf;
    }
    out += "\n";
  }
}

}  // namespace

OutcomeTables buildOutcomeTables(const std::vector<TableRow>& rows, const mapping::TrialConfig& config) {
  OutcomeTables t;
  for (const core::VisitWindow& w : config.visits.windows())
    t.visits.push_back(w.name);
  // subject -> visit -> analyte -> flag of the selected record
  std::map<std::string, std::map<std::string, std::map<std::string, core::Flag>>> selected;
  for (const TableRow& r : rows) {
    if (!r.selected || !r.flag) continue;
    selected[r.subject_id][r.visit][r.analyte] = *r.flag;
  }
  for (const mapping::AnalyteDefinition& a : config.analytes) {
    if (!namedByAnOutcome(a, config)) continue;
    auto& byVisit = t.by_analyte[a.code];
    for (const auto& [subject, visits] : selected) {
      for (const auto& [visit, flags] : visits) {
        auto f = flags.find(a.code);
        if (f == flags.end()) continue;
        auto& counts = byVisit[visit];
        ++counts.second;
        if (abnormalFor(a, f->second, config)) ++counts.first;
      }
    }
  }
  for (const mapping::OutcomeDefinition& o : config.outcomes) {
    std::map<std::string, std::pair<int, int>> byVisit;
    for (const auto& [subject, visits] : selected) {
      for (const auto& [visit, flags] : visits) {
        bool assessed = false, abnormal = false;
        for (const auto& c : o.abnormal_when) {
          auto f = flags.find(config.analytes[c.analyte].code);
          if (f == flags.end()) continue;
          assessed = true;
          if (std::find(c.flags.begin(), c.flags.end(), f->second) != c.flags.end()) abnormal = true;
        }
        if (!assessed) continue;
        ++byVisit[visit].second;
        if (abnormal) ++byVisit[visit].first;
      }
    }
    t.by_outcome.emplace_back(o.label, std::move(byVisit));
  }
  return t;
}

std::string renderOutcomeTables(const OutcomeTables& tables, const mapping::TrialConfig& config) {
  std::string out;
  out += "Trial " + config.trial_id + ": subjects abnormal / subjects assessed (selected record per visit)\n\n";
  std::vector<std::pair<std::string, std::map<std::string, std::pair<int, int>>>> analyteRows;
  for (const mapping::AnalyteDefinition& a : config.analytes) {
    if (!namedByAnOutcome(a, config)) continue;
    auto it = tables.by_analyte.find(a.code);
    analyteRows.emplace_back(a.code, it == tables.by_analyte.end() ? std::map<std::string, std::pair<int, int>>{} : it->second);
  }
  renderTable(out, "analyte", tables.visits, analyteRows);
  out += "\n";
  renderTable(out, "outcome", tables.visits, tables.by_outcome);
  return out;
}

}  // namespace fa::engine

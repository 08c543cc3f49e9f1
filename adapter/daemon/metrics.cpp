#include "daemon/metrics.h"

#include <cmath>
#include <cstdio>

namespace fa::daemon {
namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

}  // namespace

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mutex_);
  Family& f = families_[name];
  f.type = type;
  f.help = help;
}

void Metrics::add(const std::string& name, double value, const Labels& labels) {
  std::lock_guard lock(mutex_);
  families_[name].series[labels] += value;
}

void Metrics::set(const std::string& name, double value, const Labels& labels) {
  std::lock_guard lock(mutex_);
  families_[name].series[labels] = value;
}

void Metrics::clear(const std::string& name) {
  std::lock_guard lock(mutex_);
  families_[name].series.clear();
}

double Metrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto s = f->second.series.find(labels);
  return s == f->second.series.end() ? 0 : s->second;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + f.help + "\n";
    if (!f.type.empty()) out += "# TYPE " + name + " " + f.type + "\n";
    if (f.series.empty() && f.type == "counter") out += name + " 0\n";
    for (const auto& [labels, v] : f.series) {
      out += name;
      if (!labels.empty()) {
        out += "{";
        for (std::size_t i = 0; i < labels.size(); ++i) {
          if (i) out += ",";
          out += labels[i].first + "=\"" + escapeLabel(labels[i].second) + "\"";
        }
        out += "}";
      }
      out += " " + number(v) + "\n";
    }
  }
  return out;
}

}  // namespace fa::daemon

#include "console/console_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "console/http_form.h"

namespace fa::console {
namespace {

constexpr double kWidth = 360, kHeight = 200, kLeft = 46, kRight = 10, kTop = 10, kBottom = 30;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tick(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 100 ? "%.0f" : "%.3g", v);
  return buf;
}

struct Scale {
  double x0, x1, y0, y1;
  double x(double week) const { return kLeft + (week - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double y(double value) const { return kHeight - kBottom - (value - y0) / (y1 - y0) * (kHeight - kTop - kBottom); }
};

Scale scaleFor(const std::vector<ChartPoint>& points, std::optional<double> lo, std::optional<double> hi,
               const std::vector<core::VisitWindow>& windows) {
  Scale s{-4, 76, 0, 1};
  for (const auto& w : windows)
    s.x1 = std::max(s.x1, w.last_day / 7.0 + 2);
  double ymin = lo.value_or(points.empty() ? 0 : points.front().value), ymax = hi.value_or(ymin);
  for (const auto& p : points) {
    ymin = std::min(ymin, p.value);
    ymax = std::max(ymax, p.value);
    s.x0 = std::min(s.x0, p.study_day / 7.0 - 1);
    s.x1 = std::max(s.x1, p.study_day / 7.0 + 1);
  }
  const double pad = ymax > ymin ? (ymax - ymin) * 0.1 : std::max(1.0, std::fabs(ymax) * 0.1);
  s.y0 = ymin - pad;
  s.y1 = ymax + pad;
  return s;
}

std::string axes(const Scale& s) {
  std::string out;
  const double bottom = kHeight - kBottom;
  out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(kWidth - kRight) + "\" y2=\"" + num(bottom) +
         "\" stroke=\"#4a5360\"/>";
  for (int week = 0; week <= static_cast<int>(s.x1); week += 12) {
    out += "<text x=\"" + num(s.x(week)) + "\" y=\"" + num(bottom + 14) +
           "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#1b1f24\">" + std::to_string(week) + "</text>";
  }
  out += "<text x=\"" + num(kWidth - kRight) + "\" y=\"" + num(kHeight - 2) +
         "\" font-size=\"10\" text-anchor=\"end\" fill=\"#4a5360\">study week</text>";
  for (double v : {s.y0, (s.y0 + s.y1) / 2, s.y1})
    out += "<text x=\"" + num(kLeft - 4) + "\" y=\"" + num(s.y(v) + 3) +
           "\" font-size=\"10\" text-anchor=\"end\" fill=\"#1b1f24\">" + tick(v) + "</text>";
  return out;
}

std::string backdrop(const Scale& s, std::optional<double> lo, std::optional<double> hi,
                     const std::vector<core::VisitWindow>& windows) {
  std::string out;
  const double top = kTop, bottom = kHeight - kBottom;
  for (const auto& w : windows) {
    const double x0 = s.x(w.first_day / 7.0), x1 = s.x((w.last_day + 1) / 7.0);
    out += "<rect x=\"" + num(x0) + "\" y=\"" + num(top) + "\" width=\"" + num(std::max(1.0, x1 - x0)) + "\" height=\"" +
           num(bottom - top) + "\" fill=\"#e8ebf0\"><title>" + htmlEscape(w.name) + "</title></rect>";
  }
  if (lo || hi) {
    const double yTop = s.y(hi.value_or(s.y1)), yBottom = s.y(lo.value_or(s.y0));
    out += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(yTop) + "\" width=\"" + num(kWidth - kLeft - kRight) + "\" height=\"" +
           num(std::max(0.0, yBottom - yTop)) + "\" fill=\"#d8ecd9\" fill-opacity=\"0.8\"><title>reference range</title></rect>";
  }
  return out;
}

}  // namespace

std::string analyteChart(const std::string& analyte, const std::vector<ChartPoint>& points, std::optional<double> ref_low,
                         std::optional<double> ref_high, const std::vector<core::VisitWindow>& windows) {
  const Scale s = scaleFor(points, ref_low, ref_high, windows);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
                    "\" role=\"img\" aria-label=\"" + htmlEscape(analyte) + " over study weeks\">";
  out += backdrop(s, ref_low, ref_high, windows) + axes(s);
  std::vector<ChartPoint> sorted = points;
  std::sort(sorted.begin(), sorted.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.study_day < b.study_day; });
  std::string line;
  for (const auto& p : sorted)
    if (p.selected) line += (line.empty() ? "" : " ") + num(s.x(p.study_day / 7.0)) + "," + num(s.y(p.value));
  if (!line.empty()) out += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"1.5\"/>";
  for (const auto& p : sorted) {
    const std::string colour = p.baseline ? "#12263f" : p.flagged ? "#a4161a" : "#0b5cad";
    out += "<circle cx=\"" + num(s.x(p.study_day / 7.0)) + "\" cy=\"" + num(s.y(p.value)) + "\" r=\"" +
           (p.baseline ? "5" : "3.5") + "\" fill=\"" + (p.selected ? colour : "#ffffff") + "\" stroke=\"" + colour +
           "\" stroke-width=\"1.5\"><title>" + htmlEscape(p.label) + "</title></circle>";
  }
  return out + "</svg>";
}

}  // namespace fa::console

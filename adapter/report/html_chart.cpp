#include "report/html_chart.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "report/html_templates.h"

namespace fa::report {
namespace {

using Data = kainjow::mustache::data;

constexpr double kWidth = 640, kHeight = 240, kLeft = 58, kRight = 10, kTop = 22, kBottom = 32;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string tickLabel(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", std::fabs(v) < 1e-9 ? 0.0 : v);
  return buf;
}

// Value axis position in chart units: the value itself, or its log10 on a log axis.
double axisValue(const ChartInput& c, double v) {
  return c.log_scale ? std::log10(std::max(v, 1e-3)) : v;
}

struct Scale {
  double x0 = -5, x1 = 76, y0 = 0, y1 = 1;
  double x(double week) const { return kLeft + (week - x0) / (x1 - x0) * (kWidth - kLeft - kRight); }
  double y(double axis) const { return kHeight - kBottom - (axis - y0) / (y1 - y0) * (kHeight - kTop - kBottom); }
};

Scale scaleFor(const ChartInput& c) {
  Scale s;
  std::vector<double> ys;
  for (const core::VisitWindow& w : c.windows) {
    s.x0 = std::min(s.x0, w.first_day / 7.0 - 1);
    s.x1 = std::max(s.x1, w.last_day / 7.0 + 1);
  }
  for (const ChartSeries& series : c.series)
    for (const ChartPoint& p : series.points) {
      s.x0 = std::min(s.x0, p.week - 1);
      s.x1 = std::max(s.x1, p.week + 1);
      ys.push_back(axisValue(c, p.value));
    }
  for (const std::optional<double>& v : {c.band_low, c.band_high, c.lloq})
    if (v) ys.push_back(axisValue(c, *v));
  if (ys.empty()) ys = {0, 1};
  const auto [lo, hi] = std::minmax_element(ys.begin(), ys.end());
  const double span = *hi - *lo, pad = span > 0 ? span * 0.08 : std::max(0.5, std::fabs(*hi) * 0.1);
  s.y0 = *lo - pad;
  s.y1 = *hi + pad;
  return s;
}

// About five round ticks: steps of 1, 2 or 5 times a power of ten; whole powers on a log axis.
std::vector<double> valueTicks(const Scale& s, bool log_scale) {
  std::vector<double> ticks;
  double step = 1;
  if (!log_scale) {
    const double raw = (s.y1 - s.y0) / 4, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    step = magnitude * (raw / magnitude < 2 ? 2 : raw / magnitude < 5 ? 5 : 10);
  } else {
    step = std::max(1.0, std::ceil((s.y1 - s.y0) / 6));
  }
  for (double t = std::ceil(s.y0 / step) * step; t <= s.y1; t += step)
    ticks.push_back(t);
  return ticks;
}

Data axes(const Scale& s, const ChartInput& c) {
  Data d;
  Data xs{Data::type::list}, ys{Data::type::list};
  for (int week = 0; week <= static_cast<int>(s.x1); week += 12) {
    Data t;
    t.set("x", num(s.x(week)));
    t.set("label", std::to_string(week));
    xs.push_back(t);
  }
  for (double v : valueTicks(s, c.log_scale)) {
    Data t;
    t.set("y", num(s.y(v)));
    t.set("label", c.log_scale ? tickLabel(std::pow(10.0, v)) : tickLabel(v));
    ys.push_back(t);
  }
  d.set("xticks", xs);
  d.set("yticks", ys);
  d.set("x_left", num(kLeft));
  d.set("x_right", num(kWidth - kRight));
  d.set("y_bottom", num(kHeight - kBottom));
  d.set("y_top", num(kTop));
  d.set("label_y", num(kHeight - 4));
  d.set("tick_y", num(kHeight - kBottom + 14));
  d.set("ytick_x", num(kLeft - 5));
  return d;
}

Data backdrop(const Scale& s, const ChartInput& c) {
  Data d;
  Data windows{Data::type::list};
  for (const core::VisitWindow& w : c.windows) {
    const double x0 = s.x(w.first_day / 7.0), x1 = s.x((w.last_day + 1) / 7.0);
    Data r;
    r.set("x", num(x0));
    r.set("width", num(std::max(1.0, x1 - x0)));
    r.set("mid", num((x0 + x1) / 2));
    r.set("name", w.name);
    r.set("days", "days " + std::to_string(w.first_day) + " to " + std::to_string(w.last_day));
    windows.push_back(r);
  }
  d.set("windows", windows);
  if (c.band_low || c.band_high) {
    Data band;
    const double top = c.band_high ? s.y(axisValue(c, *c.band_high)) : kTop;
    const double bottom = c.band_low ? s.y(axisValue(c, *c.band_low)) : kHeight - kBottom;
    band.set("y", num(std::max(kTop, top)));
    band.set("height", num(std::max(0.0, std::min(kHeight - kBottom, bottom) - std::max(kTop, top))));
    band.set("text", c.band_text);
    d.set("band", band);
  }
  if (c.lloq) {
    Data l;
    l.set("y", num(s.y(axisValue(c, *c.lloq))));
    l.set("text_y", num(s.y(axisValue(c, *c.lloq)) - 3));
    l.set("value", tickLabel(*c.lloq));
    d.set("lloq", l);
  }
  return d;
}

Data seriesData(const Scale& s, const ChartInput& c, std::size_t index) {
  const ChartSeries& series = c.series[index];
  Data d;
  d.set("subject", series.subject_id);
  d.set("colour", seriesColour(series.colour));
  std::string line;
  Data points{Data::type::list};
  for (const ChartPoint& p : series.points) {
    const std::string x = num(s.x(p.week)), y = num(s.y(axisValue(c, p.value)));
    if (p.selected) line += (line.empty() ? "" : " ") + x + "," + y;
    Data point;
    point.set("x", x);
    point.set("y", y);
    point.set("r", p.selected ? "3" : "2.2");
    point.set("fill", p.bound || !p.selected ? "#ffffff" : seriesColour(series.colour));
    point.set("label", p.label);
    points.push_back(point);
  }
  if (!line.empty()) d.set("line", line);
  d.set("points", points);
  return d;
}

}  // namespace

std::string seriesColour(std::size_t index) {
  static constexpr std::array<const char*, 10> palette = {"#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c",
                                                          "#0e7490", "#a16207", "#be185d", "#4d7c0f", "#334155"};
  return palette[index % palette.size()];
}

std::string chartSvg(const ChartInput& chart) {
  const Scale s = scaleFor(chart);
  Data d = backdrop(s, chart);
  const Data a = axes(s, chart);
  d.set("axes", a);
  Data series{Data::type::list};
  for (std::size_t i = 0; i < chart.series.size(); ++i)
    series.push_back(seriesData(s, chart, i));
  d.set("series", series);
  // The plot area, read by the windows, the band and the LLOQ line through mustache's context.
  d.set("plot_x", num(kLeft));
  d.set("plot_x2", num(kWidth - kRight));
  d.set("plot_w", num(kWidth - kLeft - kRight));
  d.set("plot_y", num(kTop));
  d.set("plot_h", num(kHeight - kTop - kBottom));
  d.set("label_top", num(kTop - 6));
  d.set("width", num(kWidth));
  d.set("height", num(kHeight));
  d.set("analyte", chart.analyte);
  d.set("unit", chart.unit);
  d.set("scale", chart.log_scale ? "log10 scale" : "");
  kainjow::mustache::mustache m{chartTemplate()};
  return m.render(d);
}

}  // namespace fa::report

#pragma once
// One analyte of the HTML report as an inline SVG chart (no script, no external file): every
// subject's standardised values over study weeks, one series per subject, with the reference
// band, the visit windows and, for the LLOQ-rule analyte (HBV DNA), the LLOQ line on a log10
// axis. Pure: the caller collects the points (html_chart_data), this lays them out. Every text
// goes through mustache's HTML escaping.
#include <optional>
#include <string>
#include <vector>

#include "core/study_time.h"

namespace fa::report {

struct ChartPoint {
  double week = 0;   // study day / 7
  double value = 0;  // standardised value (a comparator value at its bound)
  bool selected = false;
  bool bound = false;  // a comparator value or a "not detected" drawn at the LLOQ: hollow
  std::string label;   // the point's tooltip
};

struct ChartSeries {
  std::string subject_id;
  std::size_t colour = 0;          // the subject's place in the cohort: the same colour in every chart
  std::vector<ChartPoint> points;  // study day order
};

struct ChartInput {
  std::string analyte, unit;
  bool log_scale = false;
  std::optional<double> band_low, band_high;  // the reference band (either end may be open)
  std::string band_text;                      // "40-55 g/L (protocol range)"
  std::optional<double> lloq;
  std::vector<core::VisitWindow> windows;
  std::vector<ChartSeries> series;  // subject order
};

// The colour of the i-th subject's series (a fixed palette, repeating).
std::string seriesColour(std::size_t index);

std::string chartSvg(const ChartInput& chart);

}  // namespace fa::report

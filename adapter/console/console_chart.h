#pragma once
// An inline SVG chart of one analyte of one subject over study weeks (pure): the values as
// points (filled when selected, dark for the baseline, red when flagged), the reference range
// as a band, the visit windows as shaded columns. Numbers only are computed here; every text
// (labels, titles) is HTML-escaped.
#include <optional>
#include <string>
#include <vector>

#include "core/study_time.h"

namespace fa::console {

struct ChartPoint {
  int study_day = 0;
  double value = 0;
  bool selected = false, baseline = false, flagged = false;
  std::string label;  // the point's tooltip: visit, date, value, flag
};

std::string analyteChart(const std::string& analyte, const std::vector<ChartPoint>& points, std::optional<double> ref_low,
                         std::optional<double> ref_high, const std::vector<core::VisitWindow>& windows);

}  // namespace fa::console

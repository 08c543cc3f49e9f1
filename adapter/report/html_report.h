#pragma once
// `report --format html` (docs/contract.md "fhir-adapter report"): one self-contained page, no
// script, no request leaving it (inline CSS and SVG; a Content-Security-Policy of
// default-src 'none' says so to the browser). A header with the trial, data cut, mappings hash
// and record counts; the report's tables (the outcome counts and shifts first); per analyte a
// chart of every subject's values over study weeks with the reference band, the visit windows and
// the LLOQ; a section per subject. Laid out for A4 print (@page, tables that wrap and repeat
// their header, charts kept whole on a page).
#include <string>

#include "report/report_input.h"
#include "report/report_model.h"

namespace fa::report {

// `input` is what `report` was built from (its records draw the charts and timelines).
std::string renderHtml(const Report& report, const ReportInput& input);

}  // namespace fa::report

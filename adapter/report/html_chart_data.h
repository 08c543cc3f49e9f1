#pragma once
// The points of the HTML report's analyte charts, from the cohort's records: which records are
// drawn and where (docs/contract.md "fhir-adapter report", html). A record is drawn when it is not
// retracted, has a study day and a number: its standardised value (a comparator value at its
// bound, hollow), or for the LLOQ-rule analyte a "not detected" result at its LLOQ (hollow).
#include <optional>

#include "report/cohort_index.h"
#include "report/html_chart.h"

namespace fa::report {

// nullopt when the record is not drawn.
std::optional<ChartPoint> chartPoint(const engine::OutcomeRecord& record, bool lloq_rule);

// The chart of one analyte (by index in analytes.json): a series for every subject with at least
// one drawn record; the reference band from the protocol range, else the range most of the
// analyte's records carry; the LLOQ (the LLOQ-rule analyte only) likewise.
ChartInput analyteChartInput(const CohortIndex& cohort, const mapping::TrialConfig& trial, std::size_t analyte);

}  // namespace fa::report

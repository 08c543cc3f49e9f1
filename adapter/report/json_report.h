#pragma once
// The JSON format of `report` (docs/contract.md "fhir-adapter report"): one object with the keys
// trial, outcomes, outcome_shifts, analyte_shifts, hbv_dna, worst_grades, scores (those acceptance
// tests read), then the header, screening, completeness and review keys. Numbers have at most 4
// decimals; `percent` one decimal or null.
#include <string>

#include "report/report_model.h"

namespace fa::report {

std::string renderJson(const Report& report);

}  // namespace fa::report

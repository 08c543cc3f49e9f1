#pragma once
// The HTML report's page section per subject, as mustache data: a timeline of every analyte
// (the selected record per visit with its flag, CTCAE grade, an applied reviewer override and an
// albumin-infusion mark; the other records beside), the reviewer decisions, the liver scores, the
// HBV DNA changes and the screening checks of that subject.
#include <kainjow/mustache.hpp>

#include "report/cohort_index.h"
#include "report/report_model.h"

namespace fa::report {

// The anchor of the i-th subject's section ("subject-1"; ids may hold any character).
std::string subjectAnchor(std::size_t index);

kainjow::mustache::data subjectSections(const Report& report, const CohortIndex& cohort, const mapping::TrialConfig& trial);

}  // namespace fa::report

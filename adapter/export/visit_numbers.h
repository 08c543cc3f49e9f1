#pragma once
// SDTM VISITNUM for exported records. A scheduled visit is numbered by its place in the visit
// schedule (trial.json `visits`: BASELINE 1, W4 2, ...). An UNSCHEDULED record is numbered after
// the last visit whose window ends before its study day: the subject's first unscheduled
// collection date after visit 3 is 3.1, the second 3.2 (records of one date share the number).
// When some subject has ten or more such dates after one visit, every unscheduled number gets
// two digits (3.01 ... 3.10) so that they stay distinct and ordered. Before the first window:
// 0.1, 0.2, ... A record without a study day (no first-dose date, no date) has no VISITNUM.
#include <string>
#include <vector>

#include "core/study_time.h"
#include "engine/outcome_record.h"

namespace fa::exports {

// One text per record, in the same order: the number as SDTM writes it ("2", "3.1"), or "".
std::vector<std::string> visitNumbers(const std::vector<const engine::OutcomeRecord*>& records,
                                      const core::VisitSchedule& schedule);

}  // namespace fa::exports

#pragma once
// Worst post-baseline CTCAE grade (docs/trial-rules.md, "Outcome measures"): per graded analyte
// (one with a CTCAE criterion in fhir-mappings/ctcae.json), each subject's highest ctcae_grade
// over its records with a usable status (final, amended, corrected) and study day > 1, selected
// or not; subjects without such a graded record are not counted.
#include <array>
#include <string>
#include <vector>

#include "report/cohort_index.h"

namespace fa::report {

struct SubjectWorstGrade {
  std::string subject_id;
  int grade = 0;
  std::string observation;  // the record that gave it (the first in input order)
};

struct WorstGrades {
  std::string analyte;
  int subjects = 0;
  std::array<int, 5> grades{};  // subjects by worst grade 0..4
  std::vector<SubjectWorstGrade> by_subject;
};

std::vector<WorstGrades> worstGrades(const CohortIndex& cohort, const mapping::TrialConfig& trial);

}  // namespace fa::report

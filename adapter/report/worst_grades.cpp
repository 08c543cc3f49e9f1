#include "report/worst_grades.h"

#include <optional>

namespace fa::report {

std::vector<WorstGrades> worstGrades(const CohortIndex& cohort, const mapping::TrialConfig& trial) {
  std::vector<WorstGrades> out;
  for (std::size_t a = 0; a < trial.analytes.size(); ++a) {
    const mapping::AnalyteDefinition& analyte = trial.analytes[a];
    if (!analyte.ctcae) continue;
    WorstGrades table;
    table.analyte = analyte.code;
    for (const SubjectRecords& s : cohort.subjects) {
      std::optional<SubjectWorstGrade> worst;
      for (const engine::OutcomeRecord* r : s.records) {
        if (r->analyte != analyte.code || !isUsableStatus(r->status) || !r->study_day || *r->study_day <= 1) continue;
        if (!r->ctcae_grade || *r->ctcae_grade < 0 || *r->ctcae_grade > 4) continue;
        if (!worst || *r->ctcae_grade > worst->grade) worst = SubjectWorstGrade{s.subject_id, *r->ctcae_grade, r->observation};
      }
      if (!worst) continue;
      ++table.subjects;
      ++table.grades[static_cast<std::size_t>(worst->grade)];
      table.by_subject.push_back(*worst);
    }
    out.push_back(std::move(table));
  }
  return out;
}

}  // namespace fa::report

#pragma once
// Roster: the trial's subjects (subjects.csv), linking pseudonymous subject ids to FHIR Patients.
//
// CSV with header subject_id,patient,dose1_date,dose2_date (any order; extra columns such as
// `sex` are allowed). `patient` is `Patient/{id}` or `{system}|{value}` of a patient identifier.
// Immutable after loading; thread-safe.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/civil_time.h"
#include "mapping/config_error.h"

namespace fa::mapping {

struct Subject {
  std::string subject_id;
  std::string patient;  // as written in the roster
  std::optional<core::DayNumber> dose1;
  std::optional<core::DayNumber> dose2;
  std::optional<std::string> sex;  // "male" / "female" when the roster has a sex column
};

class Roster {
 public:
  // Throws ConfigError naming the file, line and column of every problem (never a cell's value).
  static Roster load(const std::filesystem::path& csv);
  static Roster parse(std::string_view text, const std::string& label);

  const std::vector<Subject>& subjects() const { return subjects_; }
  const Subject& subject(size_t index) const { return subjects_[index]; }

  // Observation.subject.reference: relative "Patient/123", versioned "Patient/123/_history/2",
  // or absolute "https://host/fhir/Patient/123" (when `base` is set, only under that base).
  std::optional<size_t> matchReference(std::string_view reference, std::string_view base) const;
  // Observation.subject.identifier
  std::optional<size_t> matchIdentifier(std::string_view system, std::string_view value) const;

 private:
  // Where a row is: "subjects.csv: line 3", its line number, its subject_id and patient columns.
  struct RowPlace {
    std::string line;
    size_t number;
    size_t subject_column, patient_column;
  };
  // Indexes one parsed subject; duplicates and malformed patient references are problems.
  void add(Subject s, const RowPlace& at, std::vector<std::string>& problems);

  std::vector<Subject> subjects_;
  std::vector<size_t> line_of_row_;                          // file line of each subject
  std::unordered_map<std::string, size_t> line_of_subject_;  // subject_id -> its first line
  std::unordered_map<std::string, size_t> by_patient_id_;
  std::unordered_map<std::string, size_t> by_identifier_;
};

}  // namespace fa::mapping

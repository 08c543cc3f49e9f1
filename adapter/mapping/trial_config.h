#pragma once
// TrialConfig: everything fhir-mappings/ says about the trial, validated once at start-up and
// then shared read-only (thread-safe after construction). Nothing trial-specific lives in C++:
// analytes, codes, units, visits, ranges and grading bands all come from here.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ctcae.h"
#include "core/flag.h"
#include "core/reference_range.h"
#include "core/study_time.h"
#include "core/time_zone.h"
#include "core/units.h"

namespace fa::mapping {

struct Coding {
  std::string system;
  std::string code;
};

// Results reported as "not detected" (text or code): no number, but a known flag.
struct NotDetectedRule {
  std::vector<std::string> texts;  // normalised: trimmed, lower case
  std::vector<Coding> codings;
  core::Flag flag = core::Flag::Normal;
};

struct SiteRange {
  std::optional<std::string> sex;  // "male" / "female"; absent: any
  core::ReferenceRange range;      // in the standard unit
};

struct CtcaeCriterion {
  std::string term;
  core::GradingScale scale;
  // After day 1, when the subject's selected baseline has this flag, grade by `baseline_scale`.
  std::optional<core::Flag> baseline_rule_flag;
  core::GradingScale baseline_scale;
};

// analytes.json `sdtm` (optional): SDTM LB labels for the export; "" where a key is absent.
struct SdtmLabels {
  std::string testcd, test, category, specimen, loinc;
};

struct AnalyteDefinition {
  std::string code;  // BILI, ALB, ...
  std::string name;
  std::string standard_unit;
  core::UnitTable units;
  core::FlagRule flag_rule = core::FlagRule::InclusiveRange;
  std::optional<NotDetectedRule> not_detected;
  std::optional<core::ReferenceRange> protocol_range;
  std::vector<SiteRange> site_ranges;
  std::optional<CtcaeCriterion> ctcae;
  std::optional<SdtmLabels> sdtm;
};

struct OutcomeDefinition {
  struct Condition {
    size_t analyte = 0;
    std::vector<core::Flag> flags;
  };
  std::string id;
  std::string label;
  std::vector<Condition> abnormal_when;
};

struct TrialConfig {
  std::string trial_id;
  std::string time_zone_name;
  core::TimeZone time_zone;  // the site zone (trial.json time_zone.name), from the tz database
  core::VisitSchedule visits;
  std::vector<AnalyteDefinition> analytes;
  std::vector<std::string> accepted_modifier_extensions;
  std::vector<OutcomeDefinition> outcomes;
  // trial.json screening_checks.albumin_infusion_codings: the medication codes of human albumin
  // (docs/trial-rules.md "Screening checks"); empty: no albumin infusions are looked for.
  std::vector<Coding> albumin_infusion_codings;
  std::string content_hash;  // SHA-256 over the mapping files: the rule version

  // Analyte matched by one coding, or nullptr.
  const AnalyteDefinition* analyteForCoding(std::string_view system, std::string_view code) const;
  std::optional<size_t> analyteIndex(std::string_view code) const;
  bool acceptsModifierExtension(std::string_view url) const;
  // Per analyte (by index), its "system|code" keys from coding_index, sorted: the code set a
  // search or a subscription asks the server for.
  std::vector<std::vector<std::string>> codingsByAnalyte() const;

  // "system|code" -> analyte index
  std::unordered_map<std::string, size_t> coding_index;
};

}  // namespace fa::mapping

#pragma once
// OutcomeRecord: one output record per Observation id (its latest version), exactly the fields
// of docs/contract.md, plus the keys used to order and select records.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "core/decimal.h"
#include "core/flag.h"
#include "core/reference_range.h"
#include "core/study_time.h"
#include "core/value_interval.h"

namespace fa::engine {

struct OutcomeRecord {
  std::string subject_id;
  std::string analyte;
  std::string observation;               // Observation/{id}/_history/{versionId}
  std::string status;                    // FHIR status, or "retracted"
  std::optional<std::string> effective;  // YYYY-MM-DD, site time zone
  std::optional<core::StudyDay> study_day;
  std::string visit;
  bool selected = false;
  bool baseline = false;
  core::Comparator comparator = core::Comparator::None;
  std::optional<core::Decimal> value;
  std::string unit;
  std::optional<std::string> source_value;
  std::optional<std::string> source_unit;
  core::ReferenceRange range;
  std::optional<core::RangeSource> ref_source;
  std::optional<core::Flag> flag;
  std::optional<int> ctcae_grade;
  std::optional<std::string> reason;

  // Not output: selection and ordering keys.
  std::string resource_id;
  std::optional<std::int64_t> collected;
  std::optional<std::int64_t> last_updated;
  std::size_t subject_index = 0;
  std::size_t analyte_index = 0;
  bool usable_status = false;
};

// The records of a run. A deque, not a vector: it grows in small blocks without ever copying
// what it holds, so a run with hundreds of thousands of records never needs twice their memory.
using OutcomeRecords = std::deque<OutcomeRecord>;

// docs/contract.md order: subject_id, analyte, effective, observation; a null sorts first.
bool outputOrder(const OutcomeRecord& a, const OutcomeRecord& b);

}  // namespace fa::engine

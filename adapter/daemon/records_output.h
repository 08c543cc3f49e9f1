#pragma once
// `fhir-adapter records`: the stored records exactly as `map` prints them, optionally only some
// (by subject, analyte, visit, flag) and into a file (docs/contract.md, "fhir-adapter records").
#include <string>
#include <vector>

#include "daemon/daemon_config.h"
#include "engine/outcome_record.h"

namespace fa::daemon {

struct RecordQuery {
  bool csv = false;
  std::string output;  // empty: standard output
  // Each list empty: no filter; else the record's value must be one of them. A record without a
  // flag (withdrawn) matches the flag "retracted".
  std::vector<std::string> subjects, analytes, visits, flags;
  bool byte_order_mark = false;  // `--excel`: UTF-8 BOM first, so Excel reads µmol/L as UTF-8

  bool filtered() const { return !subjects.empty() || !analytes.empty() || !visits.empty() || !flags.empty(); }
  bool matches(const engine::OutcomeRecord& record) const;
};

// Exit 0, or 2 when there is no store or the output cannot be written.
int printRecords(const DaemonConfig& config, const RecordQuery& query);

}  // namespace fa::daemon

#pragma once
// What the daemon (and the CLI) write to the audit log: settings from [audit], and one event per
// record change with before/after of value, flag, CTCAE grade, selection and status taken from
// the stored NDJSON. Pseudonymous subject ids and resource ids only: no PHI.
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "daemon/daemon_config.h"
#include "sync/record_builder.h"

namespace fa::daemon {

// The audit log settings of a configuration; `actor` signs the log's own entries.
audit::AuditSettings auditSettings(const DaemonConfig& config, const std::string& actor);

// record_created | record_updated | record_retracted (the new record's status is "retracted") |
// record_removed, keyed by observation id, source_ref the record's "observation".
audit::AuditEvent recordChangeEvent(const sync::RecordChange& change, const std::string& rule_version,
                                    const std::string& base_url);

// One event per changed record, then commit (fsync): the recomputation's audit batch.
void auditRecordChanges(audit::AuditLog& log, const sync::RebuildResult& result, const std::string& rule_version,
                        const std::string& base_url);

}  // namespace fa::daemon

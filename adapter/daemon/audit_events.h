#pragma once
// What the daemon (and the CLI) write to the audit log: settings from [audit], and one event per
// record change, from the typed records of the store's audit outbox, with before/after of every
// field that changed. Pseudonymous subject ids and resource ids only: no PHI.
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "daemon/daemon_config.h"
#include "engine/outcome_record.h"
#include "store/observation_store.h"

namespace fa::daemon {

// The audit log settings of a configuration; `actor` signs the log's own entries.
audit::AuditSettings auditSettings(const DaemonConfig& config, const std::string& actor);

// One field of a record as audit details write it; text nullopt for a null.
struct RecordField {
  std::string name;  // the contract field name
  std::optional<std::string> text;
};

// Every output field of the record in contract order: decimals exact ("20.52"), booleans
// "true"/"false", enums their contract text.
std::vector<RecordField> recordFields(const engine::OutcomeRecord& r);
// One of them by name (nullopt for a null or an unknown name).
std::optional<std::string> recordFieldText(const engine::OutcomeRecord& r, const std::string& field);

// record_created | record_updated | record_retracted (the new record's status is "retracted") |
// record_removed, keyed by observation id, source_ref the record's "observation", rule_version
// the mappings hash the change was computed with. Details: subject_id, analyte and unit of the
// latest record, then before.F / after.F for every field F that changed ("null" for a null),
// except the lab's free text (source_value, source_unit: possible PHI), named only in
// unlogged_changes; change_seq, the outbox row.
audit::AuditEvent recordChangeEvent(const store::PendingRecordChange& change, const std::string& base_url);

// Writes the audit entry of every record change waiting in the store's audit outbox, commits
// the audit log (fsync), and only then deletes those outbox rows; returns how many. The record
// changes and their outbox rows committed together (ObservationStore::replaceRecords), so a
// crash anywhere leaves either no change or a change whose entry the next call writes: call it
// after every recomputation, and once at start-up before anything else writes (a crash between
// the audit commit and the delete writes those entries again, with the same change_seq).
std::size_t drainAuditOutbox(store::ObservationStore& store, audit::AuditLog& log, const std::string& base_url);

}  // namespace fa::daemon

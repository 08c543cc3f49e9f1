#pragma once
// The daemon's own audit events (actor "fhir-adapter"): start, reloads, re-evaluations,
// unauthenticated callers and stop. Hashes, file names and reason labels only: no PHI.
#include <string>

#include "audit/audit_log.h"
#include "daemon/daemon_config.h"

#include "sync/poller.h"

namespace fa::daemon {

// mass_withdrawal_blocked: a rescan withheld its deletions (counts and the limit only).
// mass_withdrawal_confirmed: `--allow-mass-withdrawal` let such a rescan withdraw them.
audit::AuditEvent massWithdrawalEvent(const std::string& base_url, const std::string& mappings_hash, const sync::PassReport& pass,
                                      double max_fraction, bool confirmed);

// server_changed: `--accept-server-change` moved the store to another FHIR server.
audit::AuditEvent serverChangedEvent(const std::string& mappings_hash, const std::string& previous, const std::string& current);

// config_loaded: which files the daemon runs with, and the audit log's mode.
audit::AuditEvent configLoadedEvent(const DaemonConfig& config, const std::string& mappings_hash, bool keyed);
// mappings_reloaded (success): SIGHUP loaded the mappings and roster.
audit::AuditEvent mappingsReloadedEvent(const std::string& base_url, const std::string& previous, const std::string& current);
// mappings_reloaded (serious_failure): SIGHUP found problems; the previous mappings are kept.
audit::AuditEvent mappingsReloadFailedEvent(const std::string& base_url, const std::string& kept, std::size_t problems,
                                            const std::string& first_problem);
// mappings_reevaluated: the stored results are mapped again under other mappings.
audit::AuditEvent mappingsReevaluatedEvent(const std::string& base_url, const std::string& previous, const std::string& current);
// callback_unauthenticated (minor_failure): a notification refused with 401.
audit::AuditEvent callbackUnauthenticatedEvent(const std::string& base_url, const std::string& mappings_hash,
                                               const std::string& reason);
// daemon_stopped: `reason` signal | done.
audit::AuditEvent daemonStoppedEvent(const std::string& base_url, const std::string& mappings_hash, const std::string& reason);

}  // namespace fa::daemon

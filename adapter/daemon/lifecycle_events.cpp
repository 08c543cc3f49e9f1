#include "daemon/lifecycle_events.h"

#include <cstdio>

namespace fa::daemon {
namespace {

audit::AuditEvent daemonEvent(const char* action, const std::string& base_url, const std::string& mappings_hash,
                              std::map<std::string, std::string> details, const char* outcome = "success") {
  audit::AuditEvent e;
  e.actor = "fhir-adapter";
  e.action = action;
  e.source_server = base_url;
  e.rule_version = mappings_hash;
  e.outcome = outcome;
  e.details = std::move(details);
  return e;
}

}  // namespace

audit::AuditEvent configLoadedEvent(const DaemonConfig& c, const std::string& mappings_hash, bool keyed) {
  return daemonEvent("config_loaded", c.fhir.base_url, mappings_hash,
                     {{"config", c.file.string()},
                      {"mappings", c.trial.mappings.string()},
                      {"subjects", c.trial.subjects.string()},
                      {"audit_mode", keyed ? "hmac-sha256" : "hash-only"}});
}

audit::AuditEvent mappingsReloadedEvent(const std::string& base_url, const std::string& previous, const std::string& current) {
  return daemonEvent("mappings_reloaded", base_url, current, {{"previous", previous}, {"current", current}});
}

audit::AuditEvent mappingsReloadFailedEvent(const std::string& base_url, const std::string& kept, std::size_t problems,
                                            const std::string& first_problem) {
  return daemonEvent("mappings_reloaded", base_url, kept,
                     {{"problems", std::to_string(problems)}, {"problem", first_problem}, {"kept", kept}}, "serious_failure");
}

audit::AuditEvent mappingsReevaluatedEvent(const std::string& base_url, const std::string& previous, const std::string& current) {
  return daemonEvent("mappings_reevaluated", base_url, current, {{"previous", previous}, {"current", current}});
}

audit::AuditEvent callbackUnauthenticatedEvent(const std::string& base_url, const std::string& mappings_hash,
                                               const std::string& reason) {
  return daemonEvent("callback_unauthenticated", base_url, mappings_hash, {{"reason", reason}}, "minor_failure");
}

audit::AuditEvent daemonStoppedEvent(const std::string& base_url, const std::string& mappings_hash, const std::string& reason) {
  return daemonEvent("daemon_stopped", base_url, mappings_hash, {{"reason", reason}});
}

audit::AuditEvent massWithdrawalEvent(const std::string& base_url, const std::string& mappings_hash, const sync::PassReport& pass,
                                      double max_fraction, bool confirmed) {
  char fraction[32], limit[32];
  std::snprintf(fraction, sizeof fraction, "%.4f", pass.withdraw_fraction);
  std::snprintf(limit, sizeof limit, "%.4f", max_fraction);
  std::map<std::string, std::string> details{{"deletions", std::to_string(confirmed ? pass.deletions : pass.withdrawals_held)},
                                             {"withdraw_records", std::to_string(pass.withdraw_records)},
                                             {"current_records", std::to_string(pass.current_records)},
                                             {"withdraw_fraction", fraction},
                                             {"max_withdraw_fraction", limit}};
  if (confirmed) return daemonEvent("mass_withdrawal_confirmed", base_url, mappings_hash, std::move(details));
  return daemonEvent("mass_withdrawal_blocked", base_url, mappings_hash, std::move(details), "minor_failure");
}

audit::AuditEvent serverChangedEvent(const std::string& mappings_hash, const std::string& previous, const std::string& current) {
  return daemonEvent("server_changed", current, mappings_hash, {{"previous", previous}, {"current", current}});
}

}  // namespace fa::daemon

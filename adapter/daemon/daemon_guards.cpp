// Daemon: the safety guards of `run` (docs/contract.md, "Safety guards of run") that act in the
// work loop: the mass-withdrawal guard's outcome, and the server the store remembers.
#include "daemon/daemon.h"
#include "daemon/lifecycle_events.h"
#include "daemon/logging.h"

namespace fa::daemon {

// The mass-withdrawal guard's outcome (docs/contract.md, "Safety guards of run"): counts only.
// Blocked, the deletions stay pending and every rescan judges them again.
void Daemon::guardWithdrawals(const sync::PassReport& pass) {
  const double limit = config_.sync.max_withdraw_fraction;
  const std::string& hash = trial_.config->content_hash;
  if (pass.withdrawal_blocked) {
    parts_.metrics.add("fhir_adapter_withdrawals_blocked_total");
    logError("mass_withdrawal_blocked", {{"deletions", std::to_string(pass.withdrawals_held)},
                                         {"withdraw_records", std::to_string(pass.withdraw_records)},
                                         {"current_records", std::to_string(pass.current_records)},
                                         {"withdraw_fraction", std::to_string(pass.withdraw_fraction)},
                                         {"max_withdraw_fraction", std::to_string(limit)},
                                         {"allow_with", "--allow-mass-withdrawal"}});
    parts_.audit.append(massWithdrawalEvent(config_.fhir.base_url, hash, pass, limit, false));
  } else if (options_.allow_mass_withdrawal && pass.withdraw_fraction > limit && pass.deletions > 0) {
    logWarn("mass_withdrawal_confirmed", {{"deletions", std::to_string(pass.deletions)},
                                          {"withdraw_records", std::to_string(pass.withdraw_records)},
                                          {"current_records", std::to_string(pass.current_records)}});
    parts_.audit.append(massWithdrawalEvent(config_.fhir.base_url, hash, pass, limit, true));
  }
}

// `--accept-server-change` (the runner refused a changed server without it): audited, then the
// store names the new server.
void Daemon::acceptServerChange() {
  const std::optional<std::string> previous = parts_.store.meta(kServerBaseUrlKey);
  if (!previous) return;
  if (*previous == config_.fhir.base_url) {
    server_remembered_ = true;
    return;
  }
  if (!options_.accept_server_change) return;
  logWarn("server_changed", {{"previous", *previous}, {"current", config_.fhir.base_url}});
  parts_.audit.append(serverChangedEvent(trial_.config->content_hash, *previous, config_.fhir.base_url));
  parts_.audit.commit();
  rememberServer(parts_.store, config_.fhir.base_url, {});
  parts_.store.setMeta(kServerImplementationKey, "");  // the old server's; the first pass records the new one
}

// The same base URL, but the CapabilityStatement names another implementation than the one the
// store was filled from (a reinstalled or replaced server): refused like another base URL
// (exit 2), unless --accept-server-change, which is audited.
bool Daemon::identityRefused(StepReport& report) {
  const std::optional<std::string> previous = parts_.store.meta(kServerImplementationKey);
  const std::string& current = identity_.implementation_url;
  if (!previous || previous->empty() || current.empty() || *previous == current) return false;
  if (options_.accept_server_change) {
    logWarn("server_changed", {{"previous", *previous}, {"current", current}});
    parts_.audit.append(serverChangedEvent(trial_.config->content_hash, *previous, current));
    parts_.audit.commit();
    server_remembered_ = false;  // the first pass records the new identity
    return false;
  }
  report.problem = ServerProblem::Unusable;
  report.problem_text = "the store was filled from the server implementation " + *previous + ", but " + config_.fhir.base_url +
                        " now names " + current + "; start once with --accept-server-change if this is the same data";
  logError("server_changed_refused", {{"base_url", config_.fhir.base_url}, {"problem", report.problem_text}});
  return true;
}

// The first successful pass names the server the store is filled from (with its identity detail).
void Daemon::rememberServerOnce() {
  if (server_remembered_) return;
  rememberServer(parts_.store, config_.fhir.base_url, identity_);
  server_remembered_ = true;
}

}  // namespace fa::daemon

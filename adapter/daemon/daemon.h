#pragma once
// Daemon: the work loop of `fhir-adapter run`, one step at a time, assembled from parts it is
// given (store, FHIR client, audit log, push source, metrics, clock) so that tests drive it with
// a fake HTTP client, temporary files and a ManualClock. One step():
//   reload (when asked) -> check the server once -> drain push notifications -> poll (when due)
//   -> recompute records (when something changed) -> commit the audit log -> publish metrics
//   and the push_processed / sync_pass log lines,
// and says what happened and when the next step is due. The caller (daemon_runner.cpp) waits,
// handles signals and the systemd watchdog, and maps failures to exit codes.
// Every call runs on one thread (the only user of the store, the client and the audit log),
// except readiness() and lastSuccess(), which the health listener calls from its own.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "audit/audit_log.h"
#include "bulk/bulk_export.h"
#include "daemon/clock.h"
#include "daemon/daemon_config.h"
#include "daemon/metrics.h"
#include "daemon/push_source.h"
#include "daemon/server_identity.h"
#include "mapping/roster.h"
#include "mapping/trial_config.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"
#include "sync/poller.h"
#include "sync/record_builder.h"

namespace fa::daemon {

struct RunOptions {
  bool once = false;
  bool skip_rescan = false;  // with once: an incremental pass only (no deletion check)
  // docs/contract.md, "Safety guards of run": for this run only.
  bool allow_mass_withdrawal = false;  // a rescan may withdraw more than [sync] max_withdraw_fraction
  bool accept_server_change = false;   // the store may move to another [fhir] base_url (audited)
  bool bulk = false;                   // with once: one $export pass first, whatever the store holds
};

struct TrialState {
  std::shared_ptr<const mapping::TrialConfig> config;
  std::shared_ptr<const mapping::Roster> roster;
  std::string roster_hash;  // SHA-256 of subjects.csv as loaded: records are recomputed when it changes
};

// The mappings and the roster; throws mapping::ConfigError.
TrialState loadTrial(const TrialFiles& files);

struct DaemonParts {
  const DaemonConfig& config;
  store::ObservationStore& store;
  net::FhirClient& client;
  audit::AuditLog& audit;
  PushSource* push = nullptr;  // none: poll only
  Metrics& metrics;
  const Clock& clock;
  std::function<bool()> stop_requested = [] { return false; };  // a pass stops after the current page
  std::function<void()> on_page = [] {};                        // after every page (the systemd watchdog)
  // [bulk]: the file downloads' transport and credentials (those of `client`), and the wait
  // between status polls (false: stop requested). No wait_for: sleeps, checking stop_requested.
  std::shared_ptr<net::HttpClient> bulk_http = nullptr;
  std::shared_ptr<net::Authenticator> bulk_auth = nullptr;
  std::function<bool(std::chrono::milliseconds)> wait_for = nullptr;
};

enum class ServerProblem {
  None,
  Unreachable,  // GET metadata failed: retried at the next interval (run --once: exit 1)
  Unusable,     // not FHIR R4 with Observation search: a configuration error (exit 2)
  SyncFailed,   // a search failed after retries: retried at the next interval (run --once: exit 1)
};

struct StepReport {
  bool reloaded = false;                 // a reload was asked for (done, or refused keeping the previous)
  callback::ProcessReport push;          // the push notifications processed
  std::optional<sync::PassReport> pass;  // a poll ran (complete or interrupted)
  std::optional<bulk::BulkReport> bulk;  // a $export pass ran (complete or interrupted)
  bool recomputed = false;
  ServerProblem problem = ServerProblem::None;
  std::string problem_text;
  std::chrono::steady_clock::time_point next_due;  // when a poll is due (an earlier push or signal may come first)
};

class Daemon {
 public:
  Daemon(DaemonParts parts, TrialState trial, RunOptions options = {});

  // Before the first step: records are brought up to date with the store (the mappings or the
  // roster may have changed while the daemon was down; a crash may have left them stale). Only
  // what changed is recomputed (sync::updateRecords).
  void start();
  // The next step reloads mappings and roster (SIGHUP). Any thread.
  void requestReload() { reload_requested_ = true; }
  StepReport step();
  // daemon_stopped, then the audit log's final checkpoint. `reason`: signal | done.
  void stop(const std::string& reason);

  // /readyz: ready once a pass succeeded, and while the last success is recent. Any thread.
  std::pair<bool, std::string> readiness() const;
  const TrialState& trial() const { return trial_; }

 private:
  bool reload();
  bool serverChecked(StepReport& report);
  bool drainPush(StepReport& report);
  bool pollDue() const;
  bool bulkDue();
  bool bulkLoad(StepReport& report);  // daemon_bulk.cpp
  bulk::BulkParts bulkParts();
  bool poll(StepReport& report);
  void recompute();
  sync::RebuildResult rebuildAndAudit();
  void publishRecordMetrics(const sync::RebuildResult& result);
  void publishPass(const sync::PassReport& pass, bool count_missed);
  void publishLag();
  void guardWithdrawals(const sync::PassReport& pass);
  void acceptServerChange();
  bool identityRefused(StepReport& report);
  void rememberServerOnce();

  DaemonParts parts_;
  const DaemonConfig& config_;
  TrialState trial_;
  RunOptions options_;
  sync::Poller poller_;
  std::atomic<bool> reload_requested_{false};
  bool server_checked_ = false;
  ServerIdentity identity_;         // from the CapabilityStatement
  bool server_remembered_ = false;  // the store names this server
  bool first_pass_ = true;
  bool bulk_done_ = false;  // this process ran its $export pass (or the server has none)
  bool poll_requested_ = false;
  std::chrono::steady_clock::time_point next_poll_{};
  std::optional<std::chrono::steady_clock::time_point> last_rescan_;
  std::atomic<std::int64_t> last_success_{0};  // Unix seconds; 0 = never
};

// Declares the daemon's metrics (names, types, help) for /metrics.
void describeDaemonMetrics(Metrics& metrics);

}  // namespace fa::daemon

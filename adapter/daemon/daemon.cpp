#include "daemon/daemon.h"

#include <fstream>
#include <sstream>

#include "common/digest.h"
#include "daemon/audit_events.h"
#include "daemon/fhir_connection.h"
#include "daemon/lifecycle_events.h"
#include "daemon/logging.h"
#include "mapping/config_loader.h"
#include "sync/http_date.h"

namespace fa::daemon {
namespace {

sync::SyncObserver pageObserver(Metrics& metrics, std::function<void()> on_page) {
  sync::SyncObserver observer;
  observer.on_page = [&metrics, on_page = std::move(on_page)](const std::string&, int entries) {
    metrics.add("fhir_adapter_sync_pages_total");
    metrics.add("fhir_adapter_observations_seen_total", entries);
    on_page();
  };
  return observer;
}

// The poller's settings for this run: the command line may allow a mass withdrawal.
sync::SyncSettings runSyncSettings(const DaemonConfig& config, const RunOptions& options) {
  sync::SyncSettings s = config.sync;
  s.allow_mass_withdrawal = options.allow_mass_withdrawal;
  return s;
}

std::string joinPollReasons(const callback::ProcessReport& r) {
  std::string reasons;
  for (const auto& [why, n] : r.poll_reasons)
    reasons += (reasons.empty() ? "" : ",") + why;
  return reasons;
}

void logPushProcessed(const callback::ProcessReport& r) {
  std::string ids;
  for (std::size_t i = 0; i < r.new_ids.size() && i < 20; ++i)
    ids += (i ? "," : "") + ("Observation/" + r.new_ids[i]);
  logInfo("push_processed", {{"notifications", std::to_string(r.notifications)},
                             {"new_versions", std::to_string(r.new_versions)},
                             {"known_versions", std::to_string(r.known_versions)},
                             {"reads", std::to_string(r.reads)},
                             {"poll", r.poll_needed ? joinPollReasons(r) : "no"},
                             {"observations", ids}});
}

void logSyncPass(const sync::PassReport& report) {
  logInfo("sync_pass", {{"queries", std::to_string(report.queries)},
                        {"requests", std::to_string(report.requests)},
                        {"pages", std::to_string(report.pages)},
                        {"observations_seen", std::to_string(report.observations_seen)},
                        {"new_versions", std::to_string(report.new_versions)},
                        {"deletions", std::to_string(report.deletions)},
                        {"pending_deletions", std::to_string(report.pending_deletions)},
                        {"deletions_undone", std::to_string(report.deletions_undone)},
                        {"withdrawal_blocked", report.withdrawal_blocked ? "true" : "false"},
                        {"rescan", report.rescanned ? "true" : "false"},
                        {"interrupted", report.interrupted ? "true" : "false"}});
}

void logRecordsRecomputed(const sync::RebuildResult& result, const std::string& mappings_hash) {
  for (const auto& [id, change] : result.changed)
    logDebug("record_" + change, {{"observation", "Observation/" + id}});
  logInfo("records_recomputed", {{"records", std::to_string(result.records)},
                                 {"created", std::to_string(result.changes.created)},
                                 {"updated", std::to_string(result.changes.updated)},
                                 {"removed", std::to_string(result.changes.removed)},
                                 {"mappings_hash", mappings_hash}});
}

}  // namespace

TrialState loadTrial(const TrialFiles& files) {
  TrialState t;
  t.config = mapping::loadTrialConfig(files.mappings);
  // Read once, so the bytes hashed are the bytes parsed (the message is Roster::load's).
  std::ifstream in(files.subjects, std::ios::binary);
  if (!in) throw mapping::ConfigError({files.subjects.string() + ": cannot be read (missing or no permission)"});
  std::stringstream text;
  text << in.rdbuf();
  t.roster_hash = common::sha256Hex(text.str());
  t.roster = std::make_shared<const mapping::Roster>(mapping::Roster::parse(text.str(), files.subjects.string()));
  return t;
}

Daemon::Daemon(DaemonParts parts, TrialState trial, RunOptions options)
    : parts_(std::move(parts)),
      config_(parts_.config),
      trial_(std::move(trial)),
      options_(options),
      poller_(parts_.client, parts_.store, runSyncSettings(config_, options_), pageObserver(parts_.metrics, parts_.on_page),
              parts_.stop_requested, [&clock = parts_.clock] { return clock.systemNow(); }) {}

void Daemon::start() {
  // Record changes a crash left unaudited (committed, entry not yet written) go first.
  drainAuditOutbox(parts_.store, parts_.audit, config_.fhir.base_url);
  acceptServerChange();
  const std::string stored = parts_.store.meta("mappings_hash").value_or("none");
  const std::string& current = trial_.config->content_hash;
  if (parts_.store.meta("mappings_hash").value_or("") != current) {
    logInfo("mappings_changed", {{"previous", stored}, {"current", current}});
    parts_.audit.append(mappingsReevaluatedEvent(config_.fhir.base_url, stored, current));
  }
  // With nothing changed this writes nothing (and fills the records gauges).
  recompute();
}

StepReport Daemon::step() {
  StepReport report;
  bool changed = false;
  if (reload_requested_.exchange(false)) {
    report.reloaded = true;
    changed = reload();  // recomputed below, also when the mappings are the same (the roster may not be)
    // Poll only: a SIGHUP also starts a pass at once (the loop's wait ends with the signal).
    // With push, polls keep their schedule.
    if (!parts_.push) poll_requested_ = true;
  }
  bool countMissed = false;
  if (serverChecked(report)) {
    changed = drainPush(report) || changed;
    // missed_push: what a scheduled poll finds that no notification announced (not the first
    // pass, which catches up on the time the daemon was down; not a poll a notification asked for).
    countMissed = parts_.push && !first_pass_ && !poll_requested_;
    if (bulkDue()) changed = bulkLoad(report) || changed;
    const bool bulkPending = report.problem != ServerProblem::None || (report.bulk && report.bulk->interrupted);
    if (!bulkPending && pollDue()) changed = poll(report) || changed;
  }
  if (changed) {
    recompute();
    report.recomputed = true;
    if (parts_.push) parts_.store.setMeta(callback::kRecordsStaleKey, "0");
  }
  parts_.audit.commit();  // writes a checkpoint when one is due by time, even on a quiet step
  if (report.push.notifications > 0) logPushProcessed(report.push);
  if (report.pass) publishPass(*report.pass, countMissed);
  report.next_due = server_checked_ ? next_poll_ : parts_.clock.steadyNow() + config_.schedule.interval;
  return report;
}

// Says whether new mappings and roster were loaded; a broken file keeps the previous ones.
bool Daemon::reload() {
  if (parts_.push) parts_.push->reloadCertificates();
  const std::string previous = trial_.config->content_hash;
  try {
    trial_ = loadTrial(config_.trial);
  } catch (const mapping::ConfigError& e) {
    parts_.metrics.add("fhir_adapter_mappings_reloads_total", 1, {{"result", "failed"}});
    const std::string first = e.problems().empty() ? std::string() : e.problems().front();
    parts_.audit.append(mappingsReloadFailedEvent(config_.fhir.base_url, previous, e.problems().size(), first));
    parts_.audit.commit();
    for (const std::string& p : e.problems())
      logError("reload_rejected_keeping_previous", {{"problem", p}});
    return false;
  }
  const std::string& current = trial_.config->content_hash;
  parts_.metrics.add("fhir_adapter_mappings_reloads_total", 1, {{"result", "ok"}});
  logInfo("mappings_reloaded", {{"mappings_hash", current}});
  parts_.audit.append(mappingsReloadedEvent(config_.fhir.base_url, previous, current));
  if (previous != current) parts_.audit.append(mappingsReevaluatedEvent(config_.fhir.base_url, previous, current));
  return true;
}

// The server must be FHIR R4 with Observation search; checked once. Unreachable at start: the
// daemon keeps trying at each interval (the server may just be restarting).
bool Daemon::serverChecked(StepReport& report) {
  if (server_checked_) return true;
  try {
    const std::string problem = checkCapabilities(parts_.client, &identity_);
    if (!problem.empty()) {
      logError("fhir_server_unusable", {{"base_url", config_.fhir.base_url}, {"problem", problem}});
      report.problem = ServerProblem::Unusable;
      report.problem_text = problem;
      return false;
    }
  } catch (const net::FhirError& e) {
    logError("fhir_server_unreachable", {{"base_url", config_.fhir.base_url}, {"problem", e.what()}});
    report.problem = ServerProblem::Unreachable;
    report.problem_text = e.what();
    return false;
  }
  if (identityRefused(report)) return false;
  server_checked_ = true;
  next_poll_ = parts_.clock.steadyNow();
  return true;
}

// Stores what the notifications brought and says whether records must be recomputed; a
// notification may ask for a catch-up poll. Authentication failures go to the audit log.
bool Daemon::drainPush(StepReport& report) {
  if (!parts_.push) return false;
  for (const std::string& reason : parts_.push->takeAuthFailures())
    parts_.audit.append(callbackUnauthenticatedEvent(config_.fhir.base_url, trial_.config->content_hash, reason));
  report.push = parts_.push->process(parts_.store, parts_.client);
  if (report.push.poll_needed) poll_requested_ = true;
  // Stale: new versions stored by notifications, now or before a crash.
  return parts_.store.meta(callback::kRecordsStaleKey).value_or("0") == "1";
}

bool Daemon::pollDue() const {
  return first_pass_ || poll_requested_ || parts_.clock.steadyNow() >= next_poll_;
}

// One pass; says whether it stored anything new. The first pass after a start rescans:
// deletions may have happened while the daemon was down.
bool Daemon::poll(StepReport& report) {
  poll_requested_ = false;
  first_pass_ = false;
  const auto now = parts_.clock.steadyNow();
  next_poll_ = now + config_.schedule.interval;
  const bool rescan =
      options_.once ? !options_.skip_rescan : !last_rescan_ || now - *last_rescan_ >= config_.schedule.rescan_interval;
  try {
    report.pass = poller_.pass(*trial_.config, *trial_.roster, rescan);
  } catch (const net::FhirError& e) {
    parts_.metrics.add("fhir_adapter_sync_passes_total", 1, {{"result", "failed"}});
    logError("sync_failed", {{"status", std::to_string(e.status())}, {"reason", e.reason()}, {"problem", e.what()}});
    report.problem = ServerProblem::SyncFailed;
    report.problem_text = e.what();
    return false;
  }
  if (report.pass->rescanned) last_rescan_ = now;
  if (!report.pass->interrupted) rememberServerOnce();
  guardWithdrawals(*report.pass);
  return report.pass->new_versions || report.pass->deletions || report.pass->deletions_undone;
}

void Daemon::recompute() {
  const sync::RebuildResult result = rebuildAndAudit();
  publishRecordMetrics(result);
  logRecordsRecomputed(result, trial_.config->content_hash);
}

// The records from the store, and one audit event per changed record from the store's audit
// outbox (then fsync, then the outbox rows go).
sync::RebuildResult Daemon::rebuildAndAudit() {
  const sync::RecordBasis basis{trial_.config, trial_.roster, trial_.roster_hash, config_.fhir.base_url};
  auto result =
      sync::updateRecords(parts_.store, basis, sync::formatInstant(parts_.clock.systemNow()), [](const engine::Rejection& r) {
        logWarn("resource_rejected", {{"resource", r.resource}, {"why", r.why}});
      });
  drainAuditOutbox(parts_.store, parts_.audit, config_.fhir.base_url);
  return result;
}

void Daemon::publishRecordMetrics(const sync::RebuildResult& result) {
  Metrics& m = parts_.metrics;
  m.clear("fhir_adapter_records");
  for (const auto& [flag, n] : result.by_flag)
    m.set("fhir_adapter_records", n, {{"flag", flag}});
  m.add("fhir_adapter_records_changed_total", result.changes.created, {{"kind", "created"}});
  m.add("fhir_adapter_records_changed_total", result.changes.updated, {{"kind", "updated"}});
  m.add("fhir_adapter_records_changed_total", result.changes.removed, {{"kind", "removed"}});
  m.set("fhir_adapter_rejected_resources", static_cast<double>(result.counts.rejected));
  m.set("fhir_adapter_skipped_not_on_roster", static_cast<double>(result.counts.skipped_not_on_roster));
}

void Daemon::publishPass(const sync::PassReport& pass, bool count_missed) {
  Metrics& m = parts_.metrics;
  m.add("fhir_adapter_observation_versions_new_total", pass.new_versions);
  m.add("fhir_adapter_deletions_total", pass.deletions);
  m.set("fhir_adapter_pending_deletions", static_cast<double>(pass.pending_deletions));
  if (count_missed) m.add("fhir_adapter_missed_push_total", pass.new_versions);
  m.add("fhir_adapter_sync_passes_total", 1, {{"result", pass.interrupted ? "interrupted" : "ok"}});
  logSyncPass(pass);
  if (pass.interrupted) return;
  const auto now = parts_.clock.systemNow();
  last_success_ = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  m.set("fhir_adapter_last_success_timestamp_seconds", static_cast<double>(last_success_.load()));
  publishLag();
}

// Lag: how far behind now the oldest query watermark is. A server whose clock runs ahead of
// ours gives watermarks in our future: lag 0.
void Daemon::publishLag() {
  std::optional<sync::TimePoint> oldest;
  for (const auto& [key, query] : poller_.queries(*trial_.config, *trial_.roster)) {
    if (auto wm = parts_.store.watermark(key)) {
      if (auto t = sync::parseInstant(*wm); t && (!oldest || *t < *oldest)) oldest = t;
    }
  }
  if (!oldest) return;
  const auto lag = std::chrono::duration<double>(parts_.clock.systemNow() - *oldest).count();
  parts_.metrics.set("fhir_adapter_sync_lag_seconds", std::max(0.0, lag));
}

void Daemon::stop(const std::string& reason) {
  parts_.audit.append(daemonStoppedEvent(config_.fhir.base_url, trial_.config->content_hash, reason));
  parts_.audit.close();  // final checkpoint, fsynced
}

std::pair<bool, std::string> Daemon::readiness() const {
  const std::int64_t last = last_success_.load();
  if (last == 0) return {false, "not ready: no successful sync yet"};
  const auto age = parts_.clock.systemNow().time_since_epoch() - std::chrono::seconds(last);
  if (age > config_.http.ready_max_age) return {false, "not ready: last successful sync is too old"};
  return {true, "ready"};
}

void describeDaemonMetrics(Metrics& m) {
  m.describe("fhir_adapter_fhir_requests_total", "counter",
             "FHIR HTTP requests by outcome (ok, http_4xx, http_5xx, timeout, tls, ...)");
  m.describe("fhir_adapter_fhir_retries_total", "counter", "FHIR requests retried, by reason (429, 503, reset, timeout, ...)");
  m.describe("fhir_adapter_sync_passes_total", "counter", "Sync passes by result (ok, failed, interrupted)");
  m.describe("fhir_adapter_sync_pages_total", "counter", "Search result pages processed");
  m.describe("fhir_adapter_observations_seen_total", "counter", "Observations received from searches (before deduplication)");
  m.describe("fhir_adapter_observation_versions_new_total", "counter", "Observation versions stored for the first time");
  m.describe("fhir_adapter_deletions_total", "counter", "Deleted results found by rescans");
  m.describe("fhir_adapter_records", "gauge", "Current outcome records by flag (retracted: withdrawn results)");
  m.describe("fhir_adapter_records_changed_total", "counter", "Outcome record changes by kind (created, updated, removed)");
  m.describe("fhir_adapter_rejected_resources", "gauge", "Stored resources rejected by the engine in the last recomputation");
  m.describe("fhir_adapter_skipped_not_on_roster", "gauge", "Stored results of patients not on the roster (last recomputation)");
  m.describe("fhir_adapter_last_success_timestamp_seconds", "gauge", "Unix time of the last successful sync pass");
  m.describe("fhir_adapter_sync_lag_seconds", "gauge", "Seconds between now and the oldest query watermark");
  m.describe("fhir_adapter_pending_deletions", "gauge", "Deleted-looking results awaiting confirmation by a later read");
  m.describe("fhir_adapter_withdrawals_blocked_total", "counter",
             "Rescans whose withdrawals the mass-withdrawal guard held back ([sync] max_withdraw_fraction)");
  m.describe("fhir_adapter_bulk_exports_total", "counter",
             "Bulk Data $export passes by result (completed, interrupted, failed, unsupported)");
  m.describe("fhir_adapter_mappings_reloads_total", "counter", "Mappings and roster reloads by result (ok, failed)");
}

}  // namespace fa::daemon

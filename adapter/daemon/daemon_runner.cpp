#include "daemon/daemon_runner.h"

#include <pthread.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "daemon/audit_events.h"
#include "daemon/fhir_connection.h"
#include "daemon/health_server.h"
#include "daemon/logging.h"
#include "daemon/metrics.h"
#include "daemon/push_receiver.h"
#include "engine/record_writer.h"
#include "mapping/config_loader.h"
#include "sync/http_date.h"
#include "sync/poller.h"
#include "sync/record_builder.h"

namespace fa::daemon {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitConfig = 2;

// Signals are blocked in every thread and taken by one waiter thread (no async-signal-safety
// traps): it sets flags and wakes the main loop.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      while (true) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0) continue;
        std::lock_guard lock(mutex_);
        if (sig == SIGHUP) {
          reload_ = true;
        } else {
          stop_ = true;
        }
        wake_.notify_all();
        if (stop_) return;
      }
    });
  }
  ~SignalWaiter() {
    {
      std::lock_guard lock(mutex_);
      if (!stop_) {
        stop_ = true;
        pthread_kill(thread_.native_handle(), SIGTERM);  // unblocks sigwait; it then returns
      }
    }
    thread_.join();
  }
  bool stopRequested() const { return stop_; }
  // Wakes waitFor() early without a signal (a push notification was stored).
  void poke() {
    std::lock_guard lock(mutex_);
    poked_ = true;
    wake_.notify_all();
  }
  bool takeReload() {
    std::lock_guard lock(mutex_);
    bool r = reload_;
    reload_ = false;
    return r;
  }
  // Sleeps up to `d`, waking early on a signal; calls `tick` every few seconds (watchdog).
  void waitFor(std::chrono::seconds d, const std::function<void()>& tick) {
    auto until = std::chrono::steady_clock::now() + d;
    std::unique_lock lock(mutex_);
    while (!stop_ && !reload_ && !poked_ && std::chrono::steady_clock::now() < until) {
      wake_.wait_until(lock, std::min(until, std::chrono::steady_clock::now() + std::chrono::seconds(5)));
      lock.unlock();
      tick();
      lock.lock();
    }
    poked_ = false;
  }

 private:
  sigset_t set_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  bool reload_ = false;
  bool poked_ = false;
};

void describeMetrics(Metrics& m) {
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
  m.describe("fhir_adapter_mappings_reloads_total", "counter", "Mappings and roster reloads by result (ok, failed)");
  describePushMetrics(m);
}

struct TrialState {
  std::shared_ptr<const mapping::TrialConfig> config;
  std::shared_ptr<const mapping::Roster> roster;
};

TrialState loadTrial(const DaemonConfig& c) {
  TrialState t;
  t.config = mapping::loadTrialConfig(c.mappings);
  t.roster = std::make_shared<const mapping::Roster>(mapping::Roster::load(c.subjects));
  return t;
}

std::string nowInstant() {
  return sync::formatInstant(std::chrono::system_clock::now());
}

void notifySystemd(const char* state) {
  // No-op unless NOTIFY_SOCKET is set (run under systemd with Type=notify).
  sd_notify(0, state);
}

void recompute(store::ObservationStore& store, const TrialState& trial, const DaemonConfig& c, Metrics& metrics,
               audit::AuditLog& auditLog) {
  auto result = sync::rebuildRecords(store, trial.config, trial.roster, c.base_url, nowInstant(), [](const engine::Rejection& r) {
    logWarn("resource_rejected", {{"resource", r.resource}, {"why", r.why}});
  });
  drainAuditOutbox(store, auditLog, c.base_url);  // one event per change, then fsync, then the outbox rows go
  metrics.clear("fhir_adapter_records");
  for (const auto& [flag, n] : result.by_flag)
    metrics.set("fhir_adapter_records", n, {{"flag", flag}});
  metrics.add("fhir_adapter_records_changed_total", result.changes.created, {{"kind", "created"}});
  metrics.add("fhir_adapter_records_changed_total", result.changes.updated, {{"kind", "updated"}});
  metrics.add("fhir_adapter_records_changed_total", result.changes.removed, {{"kind", "removed"}});
  metrics.set("fhir_adapter_rejected_resources", static_cast<double>(result.counts.rejected));
  metrics.set("fhir_adapter_skipped_not_on_roster", static_cast<double>(result.counts.skipped_not_on_roster));
  for (const auto& [id, change] : result.changed)
    logDebug("record_" + change, {{"observation", "Observation/" + id}});
  logInfo("records_recomputed", {{"records", std::to_string(result.records)},
                                 {"created", std::to_string(result.changes.created)},
                                 {"updated", std::to_string(result.changes.updated)},
                                 {"removed", std::to_string(result.changes.removed)},
                                 {"mappings_hash", trial.config->content_hash}});
}

// Stores what the notifications brought, recomputes records when something is new, and says
// whether a catch-up poll was asked for. Authentication failures go to the audit log.
void processPush(PushReceiver& push, store::ObservationStore& store, net::FhirClient& client, const TrialState& trial,
                 const DaemonConfig& c, Metrics& metrics, audit::AuditLog& auditLog, bool& pollRequested) {
  for (const std::string& reason : push.takeAuthFailures())
    auditLog.append({"fhir-adapter",
                     "callback_unauthenticated",
                     "",
                     "",
                     c.base_url,
                     trial.config->content_hash,
                     "minor_failure",
                     {{"reason", reason}}});
  callback::ProcessReport r = push.process(store, client);
  const bool stale = store.meta(callback::kRecordsStaleKey).value_or("0") == "1";  // also after a crash
  if (r.notifications == 0 && !stale) return;
  if (stale) {
    recompute(store, trial, c, metrics, auditLog);
    store.setMeta(callback::kRecordsStaleKey, "0");
  }
  auditLog.commit();
  if (r.notifications == 0) return;
  std::string reasons;
  for (const auto& [why, n] : r.poll_reasons)
    reasons += (reasons.empty() ? "" : ",") + why;
  std::string ids;
  for (std::size_t i = 0; i < r.new_ids.size() && i < 20; ++i)
    ids += (i ? "," : "") + ("Observation/" + r.new_ids[i]);
  logInfo("push_processed", {{"notifications", std::to_string(r.notifications)},
                             {"new_versions", std::to_string(r.new_versions)},
                             {"known_versions", std::to_string(r.known_versions)},
                             {"reads", std::to_string(r.reads)},
                             {"poll", r.poll_needed ? reasons : "no"},
                             {"observations", ids}});
  if (r.poll_needed) pollRequested = true;
}

}  // namespace

int runDaemon(const DaemonConfig& c, const RunOptions& options) {
  SignalWaiter signals;  // before any thread starts, so they inherit the blocked mask
  setupLogging(c.log_level);
  TrialState trial;
  try {
    trial = loadTrial(c);
  } catch (const mapping::ConfigError& e) {
    for (const std::string& p : e.problems())
      logError("config_error", {{"problem", p}});
    return kExitConfig;
  }
  std::error_code ec;
  std::filesystem::create_directories(c.audit_dir, ec);
  if (!c.store_path.parent_path().empty()) std::filesystem::create_directories(c.store_path.parent_path(), ec);

  Metrics metrics;
  describeMetrics(metrics);
  std::unique_ptr<store::ObservationStore> store;
  try {
    store = std::make_unique<store::ObservationStore>(c.store_path.string(), store::SqliteDb::Mode::ReadWrite);
  } catch (const store::StoreError& e) {
    logError("store_error", {{"problem", e.what()}});
    return kExitConfig;
  }
  // The audit log: every record change, reload and reviewer action (adapter/audit/audit_log.h).
  std::unique_ptr<audit::AuditLog> auditLog;
  try {
    auto settings = auditSettings(c, "fhir-adapter");
    settings.on_checkpoint = [](const audit::CheckpointHead& h) {  // to the journal, for anchoring
      logInfo("audit_checkpoint", {{"seq", std::to_string(h.seq)}, {"hash", h.hash}, {"segment", h.segment}, {"mac", h.mac}});
    };
    auditLog = audit::AuditLog::open(std::move(settings));
    if (const auto& r = auditLog->recovered())
      logWarn("audit_partial_line_dropped",
              {{"segment", r->segment}, {"line", std::to_string(r->line)}, {"bytes", std::to_string(r->dropped_bytes)}});
    // Record changes a crash left unaudited (committed, entry not yet written) go first.
    drainAuditOutbox(*store, *auditLog, c.base_url);
    auditLog->append({"fhir-adapter",
                      "config_loaded",
                      "",
                      "",
                      c.base_url,
                      trial.config->content_hash,
                      "success",
                      {{"config", c.file.string()},
                       {"mappings", c.mappings.string()},
                       {"subjects", c.subjects.string()},
                       {"audit_mode", auditLog->keyed() ? "hmac-sha256" : "hash-only"}}});
    auditLog->commit();
  } catch (const audit::AuditError& e) {
    logError("audit_error", {{"problem", e.what()}});
    return kExitConfig;
  }
  // Unreadable CA or client certificate, a bad SMART key: configuration, found at start-up.
  std::unique_ptr<net::FhirClient> client;
  try {
    client = connectFhir(c, &metrics);
  } catch (const std::exception& e) {
    logError("fhir_client_setup_failed", {{"base_url", c.base_url}, {"problem", e.what()}});
    return kExitConfig;
  }

  std::atomic<std::int64_t> lastSuccess{0};
  std::unique_ptr<HealthServer> health;
  if (!options.once) {
    try {
      health = std::make_unique<HealthServer>(
          c.http_listen, HealthHandlers{[&metrics] { return metrics.render(); },
                                        [&lastSuccess, &c]() -> std::pair<bool, std::string> {
                                          const std::int64_t last = lastSuccess.load();
                                          if (last == 0) return {false, "not ready: no successful sync yet"};
                                          const auto age =
                                              std::chrono::system_clock::now().time_since_epoch() - std::chrono::seconds(last);
                                          if (age > c.ready_max_age) return {false, "not ready: last successful sync is too old"};
                                          return {true, "ready"};
                                        }});
      logInfo("http_listening", {{"address", c.http_listen.host + ":" + std::to_string(health->port())}});
    } catch (const std::exception& e) {
      logError("http_listen_failed",
               {{"address", c.http_listen.host + ":" + std::to_string(c.http_listen.port)}, {"problem", e.what()}});
      return kExitConfig;
    }
  }
  // The push path: notifications are stored by the receiver's threads and processed below, on
  // this loop; the catch-up poll stays the source of truth. Not with --once (one pass, no server).
  std::unique_ptr<PushReceiver> push;
  if (c.callback_enabled && !options.once) {
    try {
      push = std::make_unique<PushReceiver>(c, metrics, [&signals] { signals.poke(); });
      logInfo("callback_listening",
              {{"address", c.callback_listen.host + ":" + std::to_string(push->port())}, {"path", c.callback_path}});
    } catch (const std::exception& e) {
      logError("callback_listen_failed",
               {{"address", c.callback_listen.host + ":" + std::to_string(c.callback_listen.port)}, {"problem", e.what()}});
      return kExitConfig;
    }
  }
  bool pollRequested = false, firstPass = true;
  auto nextPoll = std::chrono::steady_clock::now();

  // The server must be FHIR R4 with Observation search. Unreachable at start: --once fails,
  // the daemon keeps trying at each interval (the server may just be restarting).
  bool capabilitiesChecked = false;
  auto checkServer = [&]() -> int {
    try {
      std::string problem = checkCapabilities(*client);
      if (!problem.empty()) {
        logError("fhir_server_unusable", {{"base_url", c.base_url}, {"problem", problem}});
        return kExitConfig;
      }
      capabilitiesChecked = true;
      return kExitOk;
    } catch (const net::FhirError& e) {
      logError("fhir_server_unreachable", {{"base_url", c.base_url}, {"problem", e.what()}});
      return kExitFailed;
    }
  };

  // Records are recomputed from the store before the first sync, always: the mappings or the
  // roster may have changed while the daemon was down, and a crash between committing a page
  // and recomputing its records must not leave them stale. With nothing changed it writes
  // nothing (and fills the records gauges).
  if (store->meta("mappings_hash").value_or("") != trial.config->content_hash) {
    logInfo("mappings_changed",
            {{"previous", store->meta("mappings_hash").value_or("none")}, {"current", trial.config->content_hash}});
    auditLog->append({"fhir-adapter",
                      "mappings_reevaluated",
                      "",
                      "",
                      c.base_url,
                      trial.config->content_hash,
                      "success",
                      {{"previous", store->meta("mappings_hash").value_or("none")}, {"current", trial.config->content_hash}}});
  }
  recompute(*store, trial, c, metrics, *auditLog);

  sync::SyncSettings settings;
  settings.page_size = c.page_size;
  settings.overlap = c.overlap;
  settings.lag = c.lag;
  settings.per_patient = c.per_patient;
  settings.category = c.category;
  sync::SyncObserver observer;
  observer.on_page = [&metrics](const std::string&, int entries) {
    metrics.add("fhir_adapter_sync_pages_total");
    metrics.add("fhir_adapter_observations_seen_total", entries);
    notifySystemd("WATCHDOG=1");
  };
  sync::Poller poller(*client, *store, settings, observer, [&signals] { return signals.stopRequested(); });

  // The first pass after a start rescans: deletions may have happened while the daemon was down.
  std::optional<std::chrono::steady_clock::time_point> lastRescan;
  bool readySent = false;
  int exitCode = kExitOk;
  while (!signals.stopRequested()) {
    if (signals.takeReload()) {
      if (push) push->reloadCertificates();
      const std::string previousHash = trial.config->content_hash;
      try {
        trial = loadTrial(c);
        metrics.add("fhir_adapter_mappings_reloads_total", 1, {{"result", "ok"}});
        logInfo("mappings_reloaded", {{"mappings_hash", trial.config->content_hash}});
        auditLog->append({"fhir-adapter",
                          "mappings_reloaded",
                          "",
                          "",
                          c.base_url,
                          trial.config->content_hash,
                          "success",
                          {{"previous", previousHash}, {"current", trial.config->content_hash}}});
        if (previousHash != trial.config->content_hash)
          auditLog->append({"fhir-adapter",
                            "mappings_reevaluated",
                            "",
                            "",
                            c.base_url,
                            trial.config->content_hash,
                            "success",
                            {{"previous", previousHash}, {"current", trial.config->content_hash}}});
        recompute(*store, trial, c, metrics, *auditLog);
      } catch (const mapping::ConfigError& e) {
        metrics.add("fhir_adapter_mappings_reloads_total", 1, {{"result", "failed"}});
        auditLog->append({"fhir-adapter",
                          "mappings_reloaded",
                          "",
                          "",
                          c.base_url,
                          previousHash,
                          "serious_failure",
                          {{"problems", std::to_string(e.problems().size())},
                           {"problem", e.problems().empty() ? std::string() : e.problems().front()},
                           {"kept", previousHash}}});
        auditLog->commit();
        for (const std::string& p : e.problems())
          logError("reload_rejected_keeping_previous", {{"problem", p}});
      }
    }
    if (!capabilitiesChecked) {
      int rc = checkServer();
      if (rc == kExitConfig) return rc;
      if (rc != kExitOk) {
        if (options.once) return rc;
        signals.waitFor(c.interval, [] { notifySystemd("WATCHDOG=1"); });
        continue;
      }
    }
    if (push) {
      try {
        processPush(*push, *store, *client, trial, c, metrics, *auditLog, pollRequested);
      } catch (const store::StoreError& e) {
        logError("store_failed", {{"problem", e.what()}});
        return kExitFailed;
      } catch (const audit::AuditError& e) {
        logError("audit_failed", {{"problem", e.what()}});
        return kExitFailed;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!firstPass && !pollRequested && now < nextPoll) {
        signals.waitFor(std::chrono::duration_cast<std::chrono::seconds>(nextPoll - now) + std::chrono::seconds(1),
                        [] { notifySystemd("WATCHDOG=1"); });
        continue;
      }
    }
    // missed_push: what a scheduled poll finds that no notification announced (not the first
    // pass, which catches up on the time the daemon was down; not a poll a notification asked for).
    const bool countMissed = push && !firstPass && !pollRequested;
    pollRequested = false;
    firstPass = false;
    nextPoll = std::chrono::steady_clock::now() + c.interval;
    const bool rescan =
        options.once ? !options.skip_rescan : !lastRescan || std::chrono::steady_clock::now() - *lastRescan >= c.rescan_interval;
    try {
      sync::PassReport report = poller.pass(*trial.config, *trial.roster, rescan);
      if (report.rescanned) lastRescan = std::chrono::steady_clock::now();
      metrics.add("fhir_adapter_observation_versions_new_total", report.new_versions);
      metrics.add("fhir_adapter_deletions_total", report.deletions);
      if (countMissed) metrics.add("fhir_adapter_missed_push_total", report.new_versions);
      if (report.new_versions || report.deletions) recompute(*store, trial, c, metrics, *auditLog);
      auditLog->commit();  // writes a checkpoint when one is due by time, even on a quiet pass
      metrics.add("fhir_adapter_sync_passes_total", 1, {{"result", report.interrupted ? "interrupted" : "ok"}});
      logInfo("sync_pass", {{"queries", std::to_string(report.queries)},
                            {"requests", std::to_string(report.requests)},
                            {"pages", std::to_string(report.pages)},
                            {"observations_seen", std::to_string(report.observations_seen)},
                            {"new_versions", std::to_string(report.new_versions)},
                            {"deletions", std::to_string(report.deletions)},
                            {"rescan", report.rescanned ? "true" : "false"},
                            {"interrupted", report.interrupted ? "true" : "false"}});
      if (!report.interrupted) {
        const auto now = std::chrono::system_clock::now();
        lastSuccess = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        metrics.set("fhir_adapter_last_success_timestamp_seconds", static_cast<double>(lastSuccess.load()));
        // Lag: how far behind now the oldest watermark is.
        std::optional<sync::TimePoint> oldest;
        for (const auto& [key, query] : poller.queries(*trial.config, *trial.roster)) {
          if (auto wm = store->watermark(key)) {
            if (auto t = sync::parseInstant(*wm); t && (!oldest || *t < *oldest)) oldest = t;
          }
        }
        // A server whose clock runs ahead of ours gives watermarks in our future: lag 0.
        if (oldest)
          metrics.set("fhir_adapter_sync_lag_seconds", std::max(0.0, std::chrono::duration<double>(now - *oldest).count()));
      }
      if (!readySent) {
        notifySystemd("READY=1");
        readySent = true;
      }
      if (options.once) break;
    } catch (const net::FhirError& e) {
      metrics.add("fhir_adapter_sync_passes_total", 1, {{"result", "failed"}});
      logError("sync_failed", {{"status", std::to_string(e.status())}, {"reason", e.reason()}, {"problem", e.what()}});
      if (options.once) {
        exitCode = kExitFailed;
        break;
      }
    } catch (const store::StoreError& e) {
      logError("store_failed", {{"problem", e.what()}});
      return kExitFailed;  // a store that cannot write is not something to retry blindly
    } catch (const audit::AuditError& e) {
      logError("audit_failed", {{"problem", e.what()}});
      return kExitFailed;  // no processing without an audit trail
    }
    signals.waitFor(c.interval, [] { notifySystemd("WATCHDOG=1"); });
  }
  notifySystemd("STOPPING=1");
  logInfo("stopped", {{"reason", signals.stopRequested() ? "signal" : "done"}});
  try {
    auditLog->append({"fhir-adapter",
                      "daemon_stopped",
                      "",
                      "",
                      c.base_url,
                      trial.config->content_hash,
                      "success",
                      {{"reason", signals.stopRequested() ? "signal" : "done"}}});
    auditLog->close();  // final checkpoint, fsynced
  } catch (const audit::AuditError& e) {
    logError("audit_failed", {{"problem", e.what()}});
  }
  if (push) push->stop();  // answers requests in flight; what was accepted is processed at the next start
  if (health) health->stop();
  return exitCode;
}

int checkConfig(const std::filesystem::path& file, bool offline) {
  std::vector<std::string> problems;
  std::optional<DaemonConfig> config;
  try {
    config = loadDaemonConfig(file);
  } catch (const DaemonConfigError& e) {
    problems = e.problems();
  }
  if (config) {
    try {
      loadTrial(*config);
    } catch (const mapping::ConfigError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
    if (problems.empty() && !offline) {
      try {
        auto client = connectFhir(*config, nullptr);
        std::string problem = checkCapabilities(*client);
        if (!problem.empty()) problems.push_back(config->base_url + ": " + problem);
      } catch (const std::exception& e) {
        problems.push_back(config->base_url + ": " + e.what());
      }
    }
  }
  for (const std::string& p : problems)
    std::fprintf(stderr, "fhir-adapter check-config: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "fhir-adapter check-config: %zu problem(s); not ready to run\n", problems.size());
    return kExitConfig;
  }
  std::fprintf(stderr, "fhir-adapter check-config: %s is ready to run%s\n", file.string().c_str(),
               offline ? " (offline: FHIR server not contacted)" : "");
  return kExitOk;
}

int printRecords(const DaemonConfig& c, bool csv) {
  std::error_code ec;
  if (!std::filesystem::exists(c.store_path, ec)) {
    std::fprintf(stderr, "fhir-adapter records: %s: no store yet (run the daemon first)\n", c.store_path.string().c_str());
    return kExitConfig;
  }
  try {
    store::ObservationStore store(c.store_path.string(), store::SqliteDb::Mode::ReadOnly);
    std::string out;
    if (csv) out = engine::csvHeader();
    std::size_t n = 0;
    store.forEachRecord([&](const engine::OutcomeRecord& r) {
      csv ? engine::appendCsv(out, r) : engine::appendNdjson(out, r);  // each line with its newline
      ++n;
      if (out.size() > (1 << 20)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    });
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "fhir-adapter records: %zu records\n", n);
    return kExitOk;
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "fhir-adapter records: %s\n", e.what());
    return kExitConfig;
  }
}

}  // namespace fa::daemon

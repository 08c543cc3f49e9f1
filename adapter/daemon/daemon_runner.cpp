#include "daemon/daemon_runner.h"

#include <systemd/sd-daemon.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "console/console_server.h"
#include "daemon/audit_events.h"
#include "daemon/daemon.h"
#include "daemon/exit_codes.h"
#include "daemon/fhir_connection.h"
#include "daemon/health_server.h"
#include "daemon/lifecycle_events.h"
#include "daemon/logging.h"
#include "daemon/push_receiver.h"
#include "daemon/records_output.h"
#include "daemon/run_summary.h"
#include "daemon/signal_waiter.h"
#include "engine/record_writer.h"
#include "mapping/config_loader.h"
#include "store/store_lock.h"

namespace fa::daemon {
namespace {

void notifySystemd(const char* state) {
  // No-op unless NOTIFY_SOCKET is set (run under systemd with Type=notify).
  sd_notify(0, state);
}

void watchdog() {
  notifySystemd("WATCHDOG=1");
}

std::string address(const std::string& host, unsigned short port) {
  return host + ":" + std::to_string(port);
}

std::optional<TrialState> openTrial(const TrialFiles& files) {
  try {
    return loadTrial(files);
  } catch (const mapping::ConfigError& e) {
    for (const std::string& p : e.problems())
      logError("config_error", {{"problem", p}});
    return std::nullopt;
  }
}

// One daemon per store (docs/contract.md, "Safety guards of run"): taken before anything of
// the store or the audit log is opened, held until the process ends. A second `run` exits 2.
std::optional<store::StoreLock> lockStore(const StoreSettings& settings) {
  std::error_code ec;
  if (!settings.path.parent_path().empty()) std::filesystem::create_directories(settings.path.parent_path(), ec);
  try {
    return store::StoreLock::acquire(settings.path.string());
  } catch (const store::StoreLockedError& e) {
    logError("store_locked", {{"store", settings.path.string()}, {"holder_pid", std::to_string(e.holderPid())}});
    std::fprintf(stderr, "fhir-adapter run: %s (another daemon runs on it; nothing was touched)\n", e.what());
  } catch (const store::StoreError& e) {
    logError("store_error", {{"problem", e.what()}});
  }
  return std::nullopt;
}

std::unique_ptr<store::ObservationStore> openStore(const StoreSettings& settings) {
  std::error_code ec;
  if (!settings.path.parent_path().empty()) std::filesystem::create_directories(settings.path.parent_path(), ec);
  try {
    return std::make_unique<store::ObservationStore>(settings.path.string(), store::SqliteDb::Mode::ReadWrite);
  } catch (const store::StoreError& e) {
    logError("store_error", {{"problem", e.what()}});
    return nullptr;
  }
}

// The audit log: every record change, reload and reviewer action (adapter/audit/audit_log.h).
// Opens with config_loaded, committed.
std::unique_ptr<audit::AuditLog> openAudit(const DaemonConfig& c, const std::string& mappings_hash) {
  try {
    auto settings = auditSettings(c, "fhir-adapter");
    settings.on_checkpoint = [](const audit::CheckpointHead& h) {  // to the journal, for anchoring
      logInfo("audit_checkpoint", {{"seq", std::to_string(h.seq)}, {"hash", h.hash}, {"segment", h.segment}, {"mac", h.mac}});
    };
    auto log = audit::AuditLog::open(std::move(settings));
    if (const auto& r = log->recovered())
      logWarn("audit_partial_line_dropped",
              {{"segment", r->segment}, {"line", std::to_string(r->line)}, {"bytes", std::to_string(r->dropped_bytes)}});
    log->append(configLoadedEvent(c, mappings_hash, log->keyed()));
    log->commit();
    return log;
  } catch (const audit::AuditError& e) {
    logError("audit_error", {{"problem", e.what()}});
    return nullptr;
  }
}

// Unreadable CA or client certificate, a bad SMART key: configuration, found at start-up.
std::unique_ptr<net::FhirClient> openFhirClient(const FhirSettings& fhir, Metrics& metrics, FhirTransport& transport) {
  try {
    return connectFhir(fhir, &metrics, &transport);
  } catch (const std::exception& e) {
    logError("fhir_client_setup_failed", {{"base_url", fhir.base_url}, {"problem", e.what()}});
    return nullptr;
  }
}

std::unique_ptr<HealthServer> startHealth(const HttpSettings& http, Metrics& metrics, const std::atomic<const Daemon*>& daemon) {
  HealthHandlers handlers{[&metrics] { return metrics.render(); },
                          [&daemon]() -> std::pair<bool, std::string> {
                            const Daemon* d = daemon.load();
                            return d ? d->readiness() : std::pair<bool, std::string>{false, "not ready: no successful sync yet"};
                          }};
  try {
    auto health = std::make_unique<HealthServer>(http.listen, std::move(handlers));
    logInfo("http_listening", {{"address", address(http.listen.host, health->port())}});
    return health;
  } catch (const std::exception& e) {
    logError("http_listen_failed", {{"address", address(http.listen.host, http.listen.port)}, {"problem", e.what()}});
    return nullptr;
  }
}

// The push path: notifications are stored by the receiver's threads and processed by the
// work loop; the catch-up poll stays the source of truth.
std::unique_ptr<PushReceiver> startPush(const DaemonConfig& c, Metrics& metrics, SignalWaiter& signals) {
  const CallbackSettings& cb = c.callback;
  try {
    auto push = std::make_unique<PushReceiver>(cb, c.store.path, metrics, [&signals] { signals.poke(); });
    logInfo("callback_listening", {{"address", address(cb.server.host, push->port())}, {"path", cb.path}});
    return push;
  } catch (const std::exception& e) {
    logError("callback_listen_failed", {{"address", address(cb.server.host, cb.server.port)}, {"problem", e.what()}});
    return nullptr;
  }
}

// The review console (`[review]`): its pages read the store and the audit log; its reviews and
// sign-ins are written to the daemon's own audit log (thread-safe).
std::unique_ptr<console::ConsoleServer> startConsole(const DaemonConfig& c, const TrialState& trial, audit::AuditLog& log) {
  console::ConsoleContext ctx;
  ctx.settings = c.review;
  ctx.store_path = c.store.path;
  ctx.audit = auditSettings(c, "fhir-adapter/console");
  ctx.log = &log;
  ctx.base_url = c.fhir.base_url;
  ctx.site_zone = trial.config->time_zone;
  ctx.visits = trial.config->visits.windows();
  ctx.on_error = [](const std::string& problem) { logError("console_error", {{"problem", problem}}); };
  try {
    auto server = std::make_unique<console::ConsoleServer>(std::move(ctx));
    logInfo("console_listening", {{"address", "https://" + address(c.review.server.host, server->port()) + "/"}});
    return server;
  } catch (const std::exception& e) {
    logError("console_listen_failed", {{"address", address(c.review.server.host, c.review.server.port)}, {"problem", e.what()}});
    return nullptr;
  }
}

// The store remembers its server: another [fhir] base_url is refused (exit 2) unless
// --accept-server-change (then Daemon::start audits it).
bool serverRefused(const DaemonConfig& c, const RunOptions& options, const std::optional<std::string>& remembered) {
  const auto refusal = serverChangeRefusal(remembered, c.fhir.base_url);
  if (!refusal || options.accept_server_change) return false;
  logError("server_changed_refused", {{"store", c.store.path.string()}, {"problem", *refusal}});
  std::fprintf(stderr, "fhir-adapter run: %s: %s\n", c.store.path.string().c_str(), refusal->c_str());
  return true;
}

// Read before anything is opened for writing, so a refused run touches nothing. A store that
// cannot be read so (an older schema: opening it migrates it) is checked once it is open.
std::optional<std::string> rememberedBeforeOpening(const StoreSettings& settings) {
  try {
    return rememberedServer(settings.path);
  } catch (const store::StoreError&) {
    return std::nullopt;
  }
}

struct LoopEnd {
  int code = kExitOk;
  bool orderly = true;  // stop the daemon properly (daemon_stopped, final checkpoint)
};

// One step, then wait until the next is due or a signal or notification comes.
LoopEnd runLoop(Daemon& daemon, SignalWaiter& signals, const RunOptions& options, std::optional<sync::PassReport>& once_pass) {
  bool readySent = false;
  while (!signals.stopRequested()) {
    if (signals.takeReload()) daemon.requestReload();
    StepReport r;
    try {
      r = daemon.step();
    } catch (const store::StoreError& e) {
      logError("store_failed", {{"problem", e.what()}});
      return {kExitFailed, false};  // a store that cannot write is not something to retry blindly
    } catch (const audit::AuditError& e) {
      logError("audit_failed", {{"problem", e.what()}});
      return {kExitFailed, false};  // no processing without an audit trail
    }
    if (r.problem == ServerProblem::Unusable) return {kExitConfig, false};
    if (r.problem == ServerProblem::Unreachable && options.once) return {kExitFailed, false};
    if (r.pass && !readySent) {
      notifySystemd("READY=1");
      readySent = true;
    }
    if (options.once && r.problem == ServerProblem::SyncFailed) return {kExitFailed, true};
    // A rescan the mass-withdrawal guard stopped is a failed run: the operator must look.
    if (options.once && r.pass) {
      once_pass = r.pass;  // for the terminal summary
      return {r.pass->withdrawal_blocked ? kExitFailed : kExitOk, true};
    }
    signals.waitUntil(r.next_due, watchdog);
  }
  return {};
}

void stopOrderly(Daemon& daemon, const SignalWaiter& signals) {
  notifySystemd("STOPPING=1");
  const std::string reason = signals.stopRequested() ? "signal" : "done";
  logInfo("stopped", {{"reason", reason}});
  try {
    daemon.stop(reason);
  } catch (const audit::AuditError& e) {
    logError("audit_failed", {{"problem", e.what()}});
  }
}

// Stops the listeners before the daemon they call goes away.
struct ListenerStop {
  PushReceiver* push;
  HealthServer* health;
  ~ListenerStop() {
    if (push) push->stop();  // answers requests in flight; what was accepted is processed at the next start
    if (health) health->stop();
  }
};

}  // namespace

int runDaemon(const DaemonConfig& c, const RunOptions& options) {
  SignalWaiter signals;  // before any thread starts, so they inherit the blocked mask
  setupLogging(c.log.level);
  const std::optional<store::StoreLock> lock = lockStore(c.store);
  if (!lock) return kExitConfig;
  std::optional<TrialState> trial = openTrial(c.trial);
  if (!trial) return kExitConfig;
  Metrics metrics;
  describeDaemonMetrics(metrics);
  describePushMetrics(metrics);
  if (serverRefused(c, options, rememberedBeforeOpening(c.store))) return kExitConfig;
  auto store = openStore(c.store);
  if (!store || serverRefused(c, options, store->meta(kServerBaseUrlKey))) return kExitConfig;
  auto auditLog = openAudit(c, trial->config->content_hash);
  if (!auditLog) return kExitConfig;
  FhirTransport transport;
  auto client = openFhirClient(c.fhir, metrics, transport);
  if (!client) return kExitConfig;
  std::atomic<const Daemon*> forHealth{nullptr};
  std::unique_ptr<HealthServer> health;
  if (!options.once && !(health = startHealth(c.http, metrics, forHealth))) return kExitConfig;
  // Not with --once (one pass, no server).
  std::unique_ptr<PushReceiver> push;
  if (c.callback.enabled && !options.once && !(push = startPush(c, metrics, signals))) return kExitConfig;
  std::unique_ptr<console::ConsoleServer> review;
  if (c.review.enabled && !options.once && !(review = startConsole(c, *trial, *auditLog))) return kExitConfig;

  SystemClock clock;
  Daemon daemon({c, *store, *client, *auditLog, push.get(), metrics, clock, [&signals] { return signals.stopRequested(); },
                 watchdog, transport.http, transport.auth,
                 [&signals](std::chrono::milliseconds d) {
                   signals.waitUntil(std::chrono::steady_clock::now() + d, watchdog);  // a signal ends the wait early
                   return !signals.stopRequested();
                 }},
                std::move(*trial), options);
  ListenerStop listeners{push.get(), health.get()};
  forHealth = &daemon;
  const auto started = std::chrono::steady_clock::now();
  daemon.start();
  std::optional<sync::PassReport> once_pass;
  const LoopEnd end = runLoop(daemon, signals, options, once_pass);
  if (review) review->stop();  // no sign-in or review after the audit log's last entry
  if (end.orderly) stopOrderly(daemon, signals);
  if (std::FILE* terminal = terminalStream(); once_pass && terminal != nullptr) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::fputs(formatRunSummary(summaryFromMetrics(metrics, *once_pass, took.count())).c_str(), terminal);
  }
  return end.code;
}

int printRecords(const DaemonConfig& c, bool csv) {
  RecordQuery query;
  query.csv = csv;
  return printRecords(c, query);
}

}  // namespace fa::daemon

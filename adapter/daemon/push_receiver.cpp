#include "daemon/push_receiver.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "callback/callback_server.h"
#include "callback/caller_auth.h"
#include "callback/notification_intake.h"
#include "callback/notification_queue.h"
#include "daemon/logging.h"

namespace fa::daemon {
namespace {

constexpr const char* kAck = "fhir_adapter_callback_ack_seconds";
const double kAckBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2};

std::string bucketLabel(double le) {
  std::ostringstream o;
  o << le;
  return o.str();
}

}  // namespace

void describePushMetrics(Metrics& m) {
  m.describe("fhir_adapter_callback_notifications_total", "counter",
             "Subscription notifications by shape (ping, resource_put, resource_post, event_full, ...) and outcome (stored, "
             "duplicate, answered, rejected, unauthenticated, failed)");
  m.describe("fhir_adapter_callback_auth_failures_total", "counter",
             "Notifications refused with 401, by reason (missing_token, bad_token, missing_signature, bad_signature)");
  m.describe("fhir_adapter_callback_connection_events_total", "counter",
             "Receiver connection events (tls_handshake, header_timeout, body_timeout, body_limit, too_many_connections, ...)");
  m.describe("fhir_adapter_callback_queue_depth", "gauge", "Notifications stored and not yet processed");
  m.describe(kAck, "histogram", "Seconds from a notification read to its answer (after the durable write)");
  m.describe("fhir_adapter_callback_poll_requests_total", "counter",
             "Catch-up polls asked for by notifications, by reason (ping, event_empty, event_gap, gone, read_failed)");
  m.describe("fhir_adapter_callback_cert_reloads_total", "counter",
             "Receiver certificate reloads (SIGHUP) by result (ok, failed)");
  m.describe("fhir_adapter_missed_push_total", "counter",
             "New result versions found by scheduled catch-up polls that no notification announced");
}

namespace {

callback::CallerAuthSettings callerAuth(const CallbackSettings& c) {
  callback::CallerAuthSettings auth;
  auth.bearer_token = readSecretFile(c.bearer_token_file, "callback bearer token");
  auth.hmac_secret = readSecretFile(c.hmac_secret_file, "callback HMAC secret");
  if (!auth.bearer_token && !auth.hmac_secret && c.server.client_ca_file.empty())
    logWarn("callback_unauthenticated_callers",
            {{"detail", "no bearer_token_file, hmac_secret_file or client_ca_file: any caller is accepted"}});
  return auth;
}

void observeAck(Metrics& metrics, double seconds) {
  for (double le : kAckBuckets) {
    if (seconds <= le) metrics.add(std::string(kAck) + "_bucket", 1, {{"le", bucketLabel(le)}});
  }
  metrics.add(std::string(kAck) + "_bucket", 1, {{"le", "+Inf"}});
  metrics.add(std::string(kAck) + "_sum", seconds);
  metrics.add(std::string(kAck) + "_count");
}

}  // namespace

PushReceiver::PushReceiver(const CallbackSettings& c, const std::filesystem::path& store_path, Metrics& metrics,
                           std::function<void()> wake)
    : settings_(c), metrics_(metrics) {
  callback::CallerAuthSettings auth = callerAuth(c);
  queue_ = std::make_unique<callback::NotificationQueue>(store_path.string(), c.max_batch);
  queue_->setOnStored(std::move(wake));
  callback::IntakeObserver obs;
  obs.on_notification = [&metrics](const std::string& shape, const std::string& outcome) {
    metrics.add("fhir_adapter_callback_notifications_total", 1, {{"shape", shape}, {"outcome", outcome}});
  };
  // Each rejection is counted in the metrics; the log and the audit log get one summary per
  // interval (rejection_summary.h), whatever the flood.
  obs.on_auth_failure = [this](const std::string& reason) {
    metrics_.add("fhir_adapter_callback_auth_failures_total", 1, {{"reason", reason}});
    rejections_.unauthenticated(reason);
    flushRejections();
  };
  obs.on_rejected = [this](int status, const std::string&) {
    rejections_.rejected(status);
    flushRejections();
  };
  obs.on_ack = [&metrics](double seconds) { observeAck(metrics, seconds); };
  intake_ = std::make_unique<callback::NotificationIntake>(c.path, callback::CallerAuth(std::move(auth)), *queue_, obs);
  server_ = std::make_unique<callback::CallbackServer>(
      c.server,
      [this](callback::ServerRequest&& r, callback::Responder respond) { intake_->handle(std::move(r), std::move(respond)); },
      [&metrics](const std::string& event) {
        metrics.add("fhir_adapter_callback_connection_events_total", 1, {{"event", event}});
      });
}

PushReceiver::~PushReceiver() {
  stop();
}

unsigned short PushReceiver::port() const {
  return server_->port();
}

callback::ProcessReport PushReceiver::process(store::ObservationStore& store, net::FhirClient& client) {
  callback::NotificationProcessor processor(store, settings_.path, [&client](const std::string& url) { return client.get(url); });
  callback::ProcessReport total;
  while (true) {  // in slices, so a large backlog is committed as it goes
    callback::ProcessReport r = processor.processPending(settings_.max_batch);
    total.notifications += r.notifications;
    total.new_versions += r.new_versions;
    total.known_versions += r.known_versions;
    total.reads += r.reads;
    total.poll_needed = total.poll_needed || r.poll_needed;
    for (const auto& [why, n] : r.poll_reasons)
      total.poll_reasons[why] += n;
    total.new_ids.insert(total.new_ids.end(), r.new_ids.begin(), r.new_ids.end());
    if (r.notifications < static_cast<int>(settings_.max_batch)) break;
  }
  for (const auto& [why, n] : total.poll_reasons)
    metrics_.add("fhir_adapter_callback_poll_requests_total", n, {{"reason", why}});
  metrics_.set("fhir_adapter_callback_queue_depth", static_cast<double>(processor.pending() + queue_->waiting()));
  // Processed notifications are kept a week (to answer "what did the server send?"), then pruned.
  constexpr auto kKeepProcessed = std::chrono::hours(24 * 7);
  if (std::chrono::steady_clock::now() - last_prune_ >= std::chrono::hours(1)) {
    last_prune_ = std::chrono::steady_clock::now();
    if (std::size_t n = processor.pruneProcessed(kKeepProcessed))
      logInfo("callback_notifications_pruned", {{"notifications", std::to_string(n)}});
  }
  return total;
}

void PushReceiver::reloadCertificates() {
  try {
    server_->reloadCertificates();
    metrics_.add("fhir_adapter_callback_cert_reloads_total", 1, {{"result", "ok"}});
    logInfo("callback_certificates_reloaded", {{"cert", settings_.server.cert_file}});
  } catch (const std::exception& e) {
    metrics_.add("fhir_adapter_callback_cert_reloads_total", 1, {{"result", "failed"}});
    logError("callback_certificates_reload_failed_keeping_previous", {{"problem", e.what()}});
  }
}

void PushReceiver::stop() {
  if (server_) server_->stop(settings_.server.read_timeout * 2);
  if (queue_) queue_->stop();
}

void PushReceiver::flushRejections() {
  auto due = rejections_.takeDue();
  if (!due) return;
  using callback::RejectionCounts;
  const std::string seconds = std::to_string(due->seconds.count());
  logWarn("callback_rejections", {{"seconds", seconds},
                                  {"unauthenticated", RejectionCounts::list(due->unauthenticated)},
                                  {"rejected", RejectionCounts::list(due->rejected)}});
  if (due->unauthenticated.empty()) return;
  std::lock_guard lock(mutex_);
  auth_failures_.push_back(RejectionCounts::list(due->unauthenticated) + " in " + seconds + " s");
}

std::vector<std::string> PushReceiver::takeAuthFailures() {
  flushRejections();  // an interval that ended since the last rejection
  std::lock_guard lock(mutex_);
  return std::exchange(auth_failures_, {});
}

}  // namespace fa::daemon

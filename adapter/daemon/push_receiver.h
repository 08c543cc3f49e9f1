#pragma once
// PushReceiver: the daemon's side of the push path (adapter/callback): the HTTPS receiver, its
// durable queue and the processor, wired to the configuration, metrics and logs. The receiver
// runs on its own threads and only stores notifications; process() runs on the daemon's work
// loop (the one thread that uses the store, the FHIR client and the audit log), so push and poll
// never write concurrently and end in the same record engine.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "callback/notification_processor.h"
#include "callback/rejection_summary.h"
#include "daemon/daemon_config.h"
#include "daemon/metrics.h"
#include "daemon/push_source.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"

namespace fa::callback {
class CallbackServer;
class NotificationIntake;
class NotificationQueue;
}  // namespace fa::callback

namespace fa::daemon {

class PushReceiver : public PushSource {
 public:
  // Starts listening; the durable queue lives in the store file `store_path`. `wake` is called
  // (from any thread) when a notification was stored. Throws std::runtime_error (certificate,
  // key, secret files, address).
  PushReceiver(const CallbackSettings& settings, const std::filesystem::path& store_path, Metrics& metrics,
               std::function<void()> wake);
  ~PushReceiver() override;

  unsigned short port() const;
  // Work loop: processes what is pending; the caller recomputes records on new versions and
  // polls when asked.
  callback::ProcessReport process(store::ObservationStore& store, net::FhirClient& client) override;
  void reloadCertificates() override;
  // Graceful: answers requests already read, writes what was accepted, then stops.
  void stop();
  // One summary per interval of unauthenticated notifications ("bad_token=10,missing_token=2 in
  // 60 s"), for the audit log.
  std::vector<std::string> takeAuthFailures() override;

 private:
  void flushRejections();  // logs (and keeps for the audit log) an interval that has ended

  const CallbackSettings& settings_;
  Metrics& metrics_;
  std::unique_ptr<callback::NotificationQueue> queue_;
  std::unique_ptr<callback::NotificationIntake> intake_;
  std::unique_ptr<callback::CallbackServer> server_;
  std::mutex mutex_;
  std::vector<std::string> auth_failures_;  // summaries not yet audited
  callback::RejectionSummary rejections_;
  std::chrono::steady_clock::time_point last_prune_{};  // process() prunes at most hourly
};

void describePushMetrics(Metrics& m);

}  // namespace fa::daemon

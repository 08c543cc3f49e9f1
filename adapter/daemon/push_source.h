#pragma once
// PushSource: what the daemon's work loop needs from the push path (PushReceiver in
// production; tests pass none or a fake). Called on the work loop's thread only.
#include <string>
#include <vector>

#include "callback/notification_processor.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"

namespace fa::daemon {

class PushSource {
 public:
  virtual ~PushSource() = default;
  // Stores what the pending notifications brought (reading resources through `client` when a
  // notification only names them); the caller recomputes records and polls when asked.
  virtual callback::ProcessReport process(store::ObservationStore& store, net::FhirClient& client) = 0;
  // Authentication failures since the last call, for the audit log: one summary text per
  // interval ("bad_token=10,missing_token=2 in 60 s"), however many there were.
  virtual std::vector<std::string> takeAuthFailures() = 0;
  // SIGHUP: new receiver certificates (a failure keeps the previous ones).
  virtual void reloadCertificates() = 0;
};

}  // namespace fa::daemon

#pragma once
// NotificationIntake: what the receiver does with each HTTPS request, in order:
//   1. authenticate the caller (CallerAuth; mTLS already checked by the TLS layer): 401,
//   2. classify it (NotificationClassifier): 400/404/405/415 with an OperationOutcome,
//   3. answer handshakes and query-status at once (nothing to keep),
//   4. store everything else durably (NotificationQueue), then answer 200 (a duplicate too:
//      it is acknowledged and stored once); 503 with Retry-After when the store cannot write.
// Logs name shapes, statuses and reasons, never a value from the body or a credential.
// Thread-safe (called from the server's io threads).
#include <chrono>
#include <functional>
#include <string>

#include "callback/callback_server.h"
#include "callback/caller_auth.h"
#include "callback/notification_queue.h"

namespace fa::callback {

struct IntakeObserver {
  // shape: shapeName() or "invalid"; outcome: stored, duplicate, answered, rejected, unauthenticated, failed.
  std::function<void(const std::string& shape, const std::string& outcome)> on_notification;
  std::function<void(const std::string& reason)> on_auth_failure;  // authFailureName()
  std::function<void(double seconds)> on_ack;                      // request read -> answer handed to the server
  std::function<void(int status, const std::string& problem)> on_rejected;
};

class NotificationIntake {
 public:
  NotificationIntake(std::string endpoint_path, CallerAuth auth, NotificationQueue& queue, IntakeObserver observer = {});
  void handle(ServerRequest&& request, Responder respond);

 private:
  std::string path_;
  CallerAuth auth_;
  NotificationQueue& queue_;
  IntakeObserver observer_;
};

}  // namespace fa::callback

#include "callback/notification_intake.h"

#include <memory>

#include "callback/notification_classifier.h"

namespace fa::callback {
namespace {

std::optional<std::string_view> header(const net::Headers& h, const std::string& name) {
  auto it = h.find(name);
  if (it == h.end()) return std::nullopt;
  return std::string_view(it->second);
}

ServerResponse problemResponse(const Problem& p) {
  return ServerResponse{p.status, "application/fhir+json", operationOutcome(p), {}};
}

}  // namespace

NotificationIntake::NotificationIntake(std::string endpoint_path, CallerAuth auth, NotificationQueue& queue,
                                       IntakeObserver observer)
    : path_(std::move(endpoint_path)), auth_(std::move(auth)), queue_(queue), observer_(std::move(observer)) {}

void NotificationIntake::handle(ServerRequest&& request, Responder respond) {
  const auto received = request.received;
  auto answer = [this, received, respond = std::move(respond)](ServerResponse r) {
    if (observer_.on_ack) observer_.on_ack(std::chrono::duration<double>(std::chrono::steady_clock::now() - received).count());
    respond(std::move(r));
  };
  const AuthFailure failure =
      auth_.check(header(request.headers, "authorization"), header(request.headers, "x-signature"), request.body);
  if (failure != AuthFailure::None) {
    if (observer_.on_auth_failure) observer_.on_auth_failure(authFailureName(failure));
    if (observer_.on_notification) observer_.on_notification("unknown", "unauthenticated");
    ServerResponse r = problemResponse({401, "login", "the notification is not authenticated"});
    r.headers["www-authenticate"] = "Bearer";
    return answer(std::move(r));
  }
  const std::string contentType(header(request.headers, "content-type").value_or(""));
  auto classified = classifyNotification({request.method, request.target, contentType, request.body}, path_);
  if (auto* p = std::get_if<Problem>(&classified)) {
    if (observer_.on_notification) observer_.on_notification("invalid", "rejected");
    if (observer_.on_rejected) observer_.on_rejected(p->status, p->diagnostics);
    return answer(problemResponse(*p));
  }
  const Notification& n = std::get<Notification>(classified);
  const std::string shape = shapeName(n.shape);
  if (n.shape == Shape::Handshake || n.shape == Shape::QueryStatus) {
    if (observer_.on_notification) observer_.on_notification(shape, "answered");
    return answer(ServerResponse{200, "", "", {}});
  }
  QueuedNotification q{shape,       std::move(request.method), std::move(request.target),
                       contentType, std::move(request.body),   n.dedupe_key};
  queue_.enqueue(std::move(q), [this, shape, answer](EnqueueResult result) {
    if (result == EnqueueResult::Failed) {
      if (observer_.on_notification) observer_.on_notification(shape, "failed");
      ServerResponse r = problemResponse({503, "transient", "the notification could not be stored; retry"});
      r.headers["retry-after"] = "5";
      return answer(std::move(r));
    }
    if (observer_.on_notification) observer_.on_notification(shape, result == EnqueueResult::Stored ? "stored" : "duplicate");
    answer(ServerResponse{200, "", "", {}});
  });
}

}  // namespace fa::callback

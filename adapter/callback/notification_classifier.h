#pragma once
// NotificationClassifier: what a FHIR server's subscription callback request is, decided from
// its method, path, content type and body alone (pure; no I/O, thread-safe).
//
// docs/fhir-servers.md "Subscriptions": the shapes real servers send:
//   - R4 rest-hook without payload: an empty POST {endpoint}: "something changed", poll.
//   - R4 rest-hook with payload: PUT {endpoint}/Observation/{id} with the resource (HAPI,
//     Firely), POST {endpoint} with the resource (Medplum).
//   - R4 Subscriptions Backport / R4B / R5: a Bundle (type history or subscription-notification)
//     whose first entry is the status (Parameters in the R4 backport, SubscriptionStatus in
//     R4B/R5): handshake, heartbeat, query-status, event-notification with content empty,
//     id-only or full-resource.
// Anything else is a Problem carrying the HTTP status (400, 404, 405, 415) and a sentence for an
// OperationOutcome; a problem names elements, never values from the body (no PHI).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace fa::callback {

enum class Shape {
  Ping,          // empty POST: poll
  ResourcePut,   // PUT {endpoint}/Observation/{id} (HAPI, Firely)
  ResourcePost,  // POST {endpoint} with the resource (Medplum)
  Handshake,
  Heartbeat,
  QueryStatus,
  EventEmpty,   // event-notification, content empty: poll
  EventIdOnly,  // event-notification, content id-only: read each resource
  EventFull,    // event-notification, content full-resource
};
const char* shapeName(Shape shape);  // metric label: ping, resource_put, ..., event_full

// One Observation carried in full, its JSON text exactly as sent.
struct CarriedResource {
  std::string id;
  std::string version_id;
  std::optional<std::string> last_updated;
  std::string status;
  std::string json;
};

struct Notification {
  Shape shape = Shape::Ping;
  std::string subscription;                        // Subscription reference, when the shape carries one
  std::optional<std::int64_t> events_since_start;  // the status's events-since-subscription-start
  std::vector<std::int64_t> event_numbers;         // notification events, in order
  std::vector<CarriedResource> resources;          // full-resource / resource shapes: Observations only
  std::vector<std::string> observation_ids;        // id-only: Observation ids to read
  // Deduplication key: the same key means the same notification (a retry); "" = never deduped.
  std::string dedupe_key;
};

struct Problem {
  int status = 400;         // 400, 404, 405, 415
  std::string code;         // OperationOutcome issue code: invalid, not-supported, not-found, ...
  std::string diagnostics;  // no value from the body
};

struct CallbackRequest {
  std::string_view method;        // "POST", "PUT", ...
  std::string_view target;        // path and query as received
  std::string_view content_type;  // "" when absent
  std::string_view body;
};

// `endpoint_path` is the configured [callback] path, e.g. "/notify".
std::variant<Notification, Problem> classifyNotification(const CallbackRequest& request, std::string_view endpoint_path);

// An OperationOutcome (JSON) for a problem.
std::string operationOutcome(const Problem& problem);

}  // namespace fa::callback

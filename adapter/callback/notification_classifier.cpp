#include "callback/notification_classifier.h"

#include <algorithm>
#include <cctype>

#include <rapidjson/document.h>

#include "common/digest.h"
#include "common/json_depth.h"
#include "core/version_key.h"
#include "fhir/bundle_page.h"
#include "fhir/json_text.h"

namespace fa::callback {
namespace {

// A type or code from the notification, as a diagnostics text may quote it: FHIR's are short
// tokens; anything else (a megabyte, invalid UTF-8, free text) is not repeated into the answer
// or the log line that reports it.
std::string quoted(const std::string& token) {
  const bool plain = !token.empty() && token.size() <= 64 && std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
  return plain ? token : std::string("an unrecognised value");
}

using fhir::findMember;
using fhir::JsonValue;
using fhir::stringMember;

Problem problem(int status, std::string code, std::string diagnostics) {
  return Problem{status, std::move(code), std::move(diagnostics)};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isBlank(std::string_view body) {
  return std::all_of(body.begin(), body.end(), [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
}

// FHIR JSON is application/fhir+json (R4 3.1.0.1.4); servers also send application/json, and
// older ones the DSTU2 application/json+fhir. Parameters (charset, fhirVersion) are ignored.
bool isFhirJson(std::string_view content_type) {
  std::string type = lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ')
    type.pop_back();
  return type == "application/fhir+json" || type == "application/json" || type == "application/json+fhir";
}

std::optional<std::int64_t> parseCount(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text)
    v = v * 10 + (c - '0');
  return v;
}

// "Observation/123", "https://fhir.example/fhir/Observation/123/_history/2" -> "123".
std::optional<std::string> observationIdOf(std::string_view reference) {
  if (auto q = reference.find('?'); q != std::string_view::npos) reference = reference.substr(0, q);
  if (auto h = reference.find("/_history/"); h != std::string_view::npos) reference = reference.substr(0, h);
  auto slash = reference.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view id = reference.substr(slash + 1);
  std::string_view before = reference.substr(0, slash);
  auto typeStart = before.rfind('/');
  std::string_view type = typeStart == std::string_view::npos ? before : before.substr(typeStart + 1);
  if (type != "Observation" || id.empty()) return std::nullopt;
  return std::string(id);
}

CarriedResource carried(const fhir::PageEntry& e) {
  return CarriedResource{e.id, e.version_id, e.last_updated, e.status, std::string(e.resource)};
}

std::string versionKeyOf(const CarriedResource& r) {
  return core::versionKey(r.version_id, r.last_updated);
}

// A count in a Parameters part: a string in the R4 backport (R4 has no integer64), an integer in some servers.
std::optional<std::string_view> countValue(const JsonValue& part) {
  auto v = stringMember(part, "valueString");
  if (!v) v = stringMember(part, "valueInteger");
  if (!v) v = stringMember(part, "valueInteger64");
  return v;
}

// One notification-event parameter of the R4 backport: its event number and focus.
void readParametersEvent(const JsonValue& p, Notification& n) {
  const JsonValue* parts = findMember(p, "part");
  if (!parts || !parts->IsArray()) return;
  for (const auto& part : parts->GetArray()) {
    if (!part.IsObject()) continue;
    const std::string_view partName = stringMember(part, "name").value_or("");
    if (partName == "event-number") {
      if (auto v = countValue(part)) {
        if (auto number = parseCount(*v)) n.event_numbers.push_back(*number);
      }
    } else if (partName == "focus") {
      if (const JsonValue* ref = findMember(part, "valueReference"); ref && ref->IsObject()) {
        if (auto id = observationIdOf(stringMember(*ref, "reference").value_or(""))) n.observation_ids.push_back(*id);
      }
    }
  }
}

// The R4 backport status: a Parameters resource.
std::optional<Problem> readParametersStatus(const JsonValue& status, Notification& n, std::string& type) {
  const JsonValue* parameters = findMember(status, "parameter");
  if (!parameters || !parameters->IsArray())
    return problem(400, "invalid", "Bundle.entry[0].resource (Parameters) has no parameter");
  for (const auto& p : parameters->GetArray()) {
    if (!p.IsObject()) continue;
    const std::string_view name = stringMember(p, "name").value_or("");
    if (name == "type") {
      type = std::string(stringMember(p, "valueCode").value_or(""));
    } else if (name == "subscription") {
      if (const JsonValue* ref = findMember(p, "valueReference"); ref && ref->IsObject())
        n.subscription = std::string(stringMember(*ref, "reference").value_or(""));
    } else if (name == "events-since-subscription-start") {
      if (auto v = countValue(p)) n.events_since_start = parseCount(*v);
    } else if (name == "notification-event") {
      readParametersEvent(p, n);
    }
  }
  return std::nullopt;
}

// The R4B/R5 status: a SubscriptionStatus resource.
void readSubscriptionStatus(const JsonValue& status, Notification& n, std::string& type) {
  type = std::string(stringMember(status, "type").value_or(""));
  if (const JsonValue* ref = findMember(status, "subscription"); ref && ref->IsObject())
    n.subscription = std::string(stringMember(*ref, "reference").value_or(""));
  if (auto v = stringMember(status, "eventsSinceSubscriptionStart")) n.events_since_start = parseCount(*v);
  const JsonValue* events = findMember(status, "notificationEvent");
  if (!events || !events->IsArray()) return;
  for (const auto& ev : events->GetArray()) {
    if (!ev.IsObject()) continue;
    if (auto v = stringMember(ev, "eventNumber")) {
      if (auto number = parseCount(*v)) n.event_numbers.push_back(*number);
    }
    if (const JsonValue* focus = findMember(ev, "focus"); focus && focus->IsObject()) {
      if (auto id = observationIdOf(stringMember(*focus, "reference").value_or(""))) n.observation_ids.push_back(*id);
    }
  }
}

// The status (entry 0): R4 backport Parameters or R4B/R5 SubscriptionStatus, read into `n`.
std::optional<Problem> readStatus(const JsonValue& status, Notification& n, std::string& type) {
  const std::string resourceType(stringMember(status, "resourceType").value_or(""));
  if (resourceType == "Parameters") return readParametersStatus(status, n, type);
  if (resourceType == "SubscriptionStatus") {
    readSubscriptionStatus(status, n, type);
    return std::nullopt;
  }
  return problem(400, "invalid",
                 "Bundle.entry[0].resource must be the subscription status (Parameters or SubscriptionStatus), not " +
                     (resourceType.empty() ? std::string("a resource without resourceType") : quoted(resourceType)));
}

// id-only content: the entries' fullUrl (or request.url) name the resources (the focus references were read with the
// status).
void readIdOnlyUrls(std::string_view body, Notification& n) {
  rapidjson::Document d;
  common::parseBounded<rapidjson::kParseNumbersAsStringsFlag>(d, body);
  const JsonValue* entries = d.IsObject() ? findMember(d, "entry") : nullptr;
  if (!entries || !entries->IsArray()) return;
  for (rapidjson::SizeType i = 1; i < entries->Size(); ++i) {
    const JsonValue& entry = (*entries)[i];
    if (!entry.IsObject() || findMember(entry, "resource")) continue;
    auto url = stringMember(entry, "fullUrl");
    if (!url) {
      if (const JsonValue* request = findMember(entry, "request"); request && request->IsObject())
        url = stringMember(*request, "url");
    }
    if (url) {
      if (auto id = observationIdOf(*url)) n.observation_ids.push_back(*id);
    }
  }
}

// Content: full-resource entries carry resources; id-only entries only a fullUrl (and the
// events' focus references); empty: no entry beyond the status.
void classifyEvent(std::string_view body, const fhir::BundlePage& page, Notification& n) {
  const bool anyEntry = page.entries.size() > 1;
  for (std::size_t i = 1; i < page.entries.size(); ++i) {
    const fhir::PageEntry& e = page.entries[i];
    if (!e.resource.empty() && e.resource_type == "Observation") n.resources.push_back(carried(e));
  }
  if (anyEntry && n.resources.empty()) readIdOnlyUrls(body, n);
  std::sort(n.observation_ids.begin(), n.observation_ids.end());
  n.observation_ids.erase(std::unique(n.observation_ids.begin(), n.observation_ids.end()), n.observation_ids.end());
  if (!n.resources.empty()) {
    n.shape = Shape::EventFull;
    n.observation_ids.clear();  // the resources themselves are here
  } else if (!n.observation_ids.empty()) {
    n.shape = Shape::EventIdOnly;
  } else {
    n.shape = Shape::EventEmpty;
  }
}

// A retry repeats the subscription, the event numbers and the resources (id and version):
// that is a duplicate. A server that restarted its counters sends other resources under the
// same numbers: a new key, processed.
std::string eventDedupeKey(const Notification& n) {
  std::string what;
  for (auto e : n.event_numbers)
    what += std::to_string(e) + ",";
  what += "|";
  for (const auto& r : n.resources)
    what += r.id + "/" + versionKeyOf(r) + ",";
  for (const auto& id : n.observation_ids)
    what += id + ",";
  return "event:" + n.subscription + ":" + common::sha256Hex(what);
}

std::variant<Notification, Problem> classifyBundle(std::string_view body, const fhir::BundlePage& page) {
  if (page.bundle_type != "history" && page.bundle_type != "subscription-notification")
    return problem(400, "invalid",
                   "Bundle.type must be history or subscription-notification for a notification, not " +
                       (page.bundle_type.empty() ? std::string("(missing)") : quoted(page.bundle_type)));
  if (page.entries.empty() || page.entries.front().resource.empty())
    return problem(400, "invalid", "Bundle.entry[0].resource: a notification Bundle starts with its subscription status");
  rapidjson::Document status;
  const std::string_view statusText = page.entries.front().resource;
  common::parseBounded<rapidjson::kParseNumbersAsStringsFlag>(status, statusText);
  if (status.HasParseError() || !status.IsObject())
    return problem(400, "invalid", "Bundle.entry[0].resource is not a JSON object");
  Notification n;
  std::string type;
  if (auto p = readStatus(status, n, type)) return *p;
  if (type == "handshake") {
    n.shape = Shape::Handshake;
  } else if (type == "heartbeat") {
    n.shape = Shape::Heartbeat;
  } else if (type == "query-status" || type == "query-event") {
    n.shape = Shape::QueryStatus;
  } else if (type == "event-notification") {
    classifyEvent(body, page, n);
  } else {
    return problem(400, "invalid",
                   "subscription status type must be handshake, heartbeat, event-notification or query-status, not " +
                       (type.empty() ? std::string("(missing)") : quoted(type)));
  }
  // A retry repeats the subscription, the event numbers and the resources (id and version):
  // that is a duplicate. A server that restarted its counters sends other resources under the
  // same numbers: a new key, processed.
  if (n.shape == Shape::EventIdOnly || n.shape == Shape::EventFull) n.dedupe_key = eventDedupeKey(n);
  return n;
}

}  // namespace

const char* shapeName(Shape shape) {
  switch (shape) {
    case Shape::Ping:
      return "ping";
    case Shape::ResourcePut:
      return "resource_put";
    case Shape::ResourcePost:
      return "resource_post";
    case Shape::Handshake:
      return "handshake";
    case Shape::Heartbeat:
      return "heartbeat";
    case Shape::QueryStatus:
      return "query_status";
    case Shape::EventEmpty:
      return "event_empty";
    case Shape::EventIdOnly:
      return "event_id_only";
    case Shape::EventFull:
      return "event_full";
  }
  return "unknown";
}

std::variant<Notification, Problem> classifyNotification(const CallbackRequest& request, std::string_view endpoint_path) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  while (endpoint_path.size() > 1 && endpoint_path.back() == '/')
    endpoint_path.remove_suffix(1);
  if (path.size() > endpoint_path.size() && path.back() == '/') path.remove_suffix(1);
  std::optional<std::string> pathId;  // {endpoint}/Observation/{id}
  if (path != endpoint_path) {
    const std::string prefix = std::string(endpoint_path == "/" ? "" : endpoint_path) + "/Observation/";
    if (path.substr(0, prefix.size()) != prefix || path.size() == prefix.size() ||
        path.substr(prefix.size()).find('/') != std::string_view::npos)
      return problem(404, "not-found", "no notification endpoint at this path");
    pathId = std::string(path.substr(prefix.size()));
  }
  if (request.method != "POST" && request.method != "PUT") return problem(405, "not-supported", "notifications are POST or PUT");
  if (pathId && request.method != "PUT") return problem(405, "not-supported", "{endpoint}/Observation/{id} takes PUT");
  if (isBlank(request.body)) {
    if (pathId || request.method != "POST") return problem(400, "required", "a PUT notification carries the resource");
    Notification n;
    n.shape = Shape::Ping;
    return n;
  }
  if (!isFhirJson(request.content_type))
    return problem(415, "not-supported", "Content-Type must be application/fhir+json (or application/json)");
  std::string error;
  auto page = fhir::parseBundlePage(request.body, error);
  if (!page) return problem(400, "invalid", "the body is not a FHIR JSON resource");
  if (page->resource_type == "Bundle") {
    if (pathId) return problem(400, "invalid", "a PUT to {endpoint}/Observation/{id} carries an Observation, not a Bundle");
    return classifyBundle(request.body, *page);
  }
  if (page->resource_type != "Observation" || page->entries.size() != 1)
    return problem(
        400, "not-supported",
        "notifications carry an Observation or a notification Bundle, not " +
            (page->resource_type.empty() ? std::string("a resource without resourceType") : quoted(page->resource_type)));
  const fhir::PageEntry& e = page->entries.front();
  Notification n;
  n.shape = pathId ? Shape::ResourcePut : Shape::ResourcePost;
  CarriedResource r = carried(e);
  if (pathId && !r.id.empty() && r.id != *pathId) return problem(400, "invalid", "Observation.id differs from the id in the URL");
  if (r.id.empty()) {
    if (!pathId) return problem(400, "required", "Observation.id is required in a notification");
    r.id = *pathId;
  }
  if (r.version_id.empty() && !r.last_updated) {
    // Without meta there is no version to store or dedupe on: read the resource instead.
    n.observation_ids.push_back(r.id);
    return n;
  }
  n.dedupe_key = "resource:Observation/" + r.id + "/_history/" + versionKeyOf(r);
  n.resources.push_back(std::move(r));
  return n;
}

std::string operationOutcome(const Problem& p) {
  std::string out = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":)";
  fhir::appendJsonString(out, p.code);
  out += R"(,"diagnostics":)";
  fhir::appendJsonString(out, p.diagnostics);
  out += "}]}";
  return out;
}

}  // namespace fa::callback

#include "callback/notification_processor.h"

#include <algorithm>
#include <exception>
#include <optional>

#include "callback/notification_classifier.h"
#include "callback/notification_queue.h"
#include "core/civil_time.h"
#include "fhir/bundle_page.h"

namespace fa::callback {
namespace {

store::ObservationVersion versionOf(const CarriedResource& r) {
  return store::ObservationVersion{
      r.id, !r.version_id.empty() ? r.version_id : "@" + r.last_updated.value_or(""), r.last_updated, r.status, r.json, "push"};
}

// GET Observation/{id}; nothing (and a poll asked for) when it is gone or cannot be read.
std::optional<CarriedResource> readObservation(const ResourceReader& read, const std::string& id,
                                               const std::function<void(const std::string&)>& askPoll) {
  try {
    net::HttpResponse r = read("Observation/" + id);
    std::string error;
    auto page = r.status == 200 ? fhir::parseBundlePage(r.body, error) : std::nullopt;
    if (page && page->entries.size() == 1 && page->entries.front().resource_type == "Observation") {
      const fhir::PageEntry& e = page->entries.front();
      return CarriedResource{e.id, e.version_id, e.last_updated, e.status, std::string(e.resource)};
    }
    askPoll(r.status == 404 || r.status == 410 ? "gone" : "read_failed");  // deletions: the rescan decides
  } catch (const std::exception&) {
    askPoll("read_failed");
  }
  return std::nullopt;
}

// Records the notification's event numbers; true when they show a gap (notifications were
// missed, or the server skips some: poll).
bool eventGap(store::NotificationStore& notifications, const Notification& n, const std::string& now) {
  const std::optional<std::int64_t> last = notifications.lastEvent(n.subscription);
  std::int64_t first = 0, highest = 0;
  if (!n.event_numbers.empty()) {
    first = *std::min_element(n.event_numbers.begin(), n.event_numbers.end());
    highest = *std::max_element(n.event_numbers.begin(), n.event_numbers.end());
  } else {
    // A heartbeat (or an event without numbers) says how many events there were so far.
    highest = *n.events_since_start;
    first = n.shape == Shape::Heartbeat ? highest + 1 : highest;
  }
  // Always the latest: a counter that went back (a server restart) is the new start; an event
  // delivered out of order costs at most one extra poll.
  notifications.setLastEvent(n.subscription, highest, now);
  return last && first > *last + 1;
}

}  // namespace

NotificationProcessor::NotificationProcessor(store::ObservationStore& store, std::string endpoint_path, ResourceReader read)
    : store_(store), notifications_(store), path_(std::move(endpoint_path)), read_(std::move(read)) {}

std::size_t NotificationProcessor::pending() {
  return notifications_.pendingCount();
}

ProcessReport NotificationProcessor::processPending(std::size_t max) {
  ProcessReport report;
  const std::vector<store::PendingNotification> rows = notifications_.takePending(max);
  auto askPoll = [&report](const std::string& why) {
    report.poll_needed = true;
    ++report.poll_reasons[why];
  };
  for (const store::PendingNotification& row : rows) {
    ++report.notifications;
    auto classified = classifyNotification({row.method, row.target, row.content_type, row.body}, path_);
    std::vector<CarriedResource> resources;
    std::string outcome;
    std::optional<Notification> n;
    if (std::holds_alternative<Problem>(classified)) {
      // Accepted once, refused now (the endpoint path changed in the configuration): poll.
      askPoll("invalid");
      outcome = "poll: no longer a notification";
    } else {
      n = std::move(std::get<Notification>(classified));
      resources = n->resources;
      if (n->shape == Shape::Ping || n->shape == Shape::EventEmpty) askPoll(n->shape == Shape::Ping ? "ping" : "event_empty");
      // id-only: read each resource now (before the transaction: a slow server holds no lock).
      for (const std::string& id : n->observation_ids) {
        ++report.reads;
        if (auto r = readObservation(read_, id, askPoll)) resources.push_back(std::move(*r));
      }
    }
    auto t = store_.transaction();
    const std::string now = nowInstant();
    int fresh = 0;
    for (const CarriedResource& r : resources) {
      if (r.id.empty() || (r.version_id.empty() && !r.last_updated)) continue;
      if (store_.putVersion(versionOf(r), now)) {
        ++fresh;
        report.new_ids.push_back(r.id);
      } else {
        ++report.known_versions;
      }
    }
    report.new_versions += fresh;
    // Records are recomputed after this commit; a crash in between must not leave them behind.
    if (fresh) store_.setMeta(kRecordsStaleKey, "1");
    if (n && (!n->event_numbers.empty() || n->events_since_start) && eventGap(notifications_, *n, now)) askPoll("event_gap");
    if (outcome.empty())
      outcome = std::to_string(fresh) + " new, " + std::to_string(resources.size() - static_cast<std::size_t>(fresh)) + " known";
    notifications_.markDone(row.seq, outcome, now);
    t.commit();
  }
  return report;
}

std::size_t NotificationProcessor::pruneProcessed(std::chrono::hours keep) {
  // processed_at is a UTC instant in one fixed format, so text order is time order.
  const std::string cutoff = core::formatInstantUtc(
      std::chrono::duration_cast<std::chrono::microseconds>((std::chrono::system_clock::now() - keep).time_since_epoch())
          .count());
  return notifications_.pruneDone(cutoff);
}

}  // namespace fa::callback

#include "callback/notification_processor.h"

#include <algorithm>
#include <exception>
#include <optional>

#include <sqlite3.h>

#include "callback/notification_classifier.h"
#include "callback/notification_queue.h"
#include "common/instant.h"
#include "core/civil_time.h"
#include "core/version_key.h"
#include "fhir/bundle_page.h"

namespace fa::callback {
namespace {

struct Row {
  std::int64_t seq = 0;
  std::string method, target, content_type, body;
};

store::ObservationVersion versionOf(const CarriedResource& r) {
  return store::ObservationVersion{r.id,  core::versionKey(r.version_id, r.last_updated), r.last_updated, r.status, r.json,
                                   "push"};
}

}  // namespace

NotificationProcessor::NotificationProcessor(store::ObservationStore& store, std::string endpoint_path, ResourceReader read)
    : store_(store), path_(std::move(endpoint_path)), read_(std::move(read)) {}

std::size_t NotificationProcessor::pending() {
  store::Statement s = store_.db().prepare("SELECT COUNT(*) FROM notifications WHERE status = 'pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

ProcessReport NotificationProcessor::processPending(std::size_t max) {
  ProcessReport report;
  std::vector<Row> rows;
  {
    store::Statement s = store_.db().prepare(
        "SELECT seq, method, target, content_type, body FROM notifications WHERE status = 'pending' ORDER BY seq LIMIT ?1");
    s.bind(1, static_cast<std::int64_t>(max));
    while (s.step())
      rows.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  }
  auto askPoll = [&report](const std::string& why) {
    report.poll_needed = true;
    ++report.poll_reasons[why];
  };
  for (const Row& row : rows) {
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
        try {
          net::HttpResponse r = read_("Observation/" + id);
          std::string error;
          auto page = r.status == 200 ? fhir::parseBundlePage(r.body, error) : std::nullopt;
          if (page && page->entries.size() == 1 && page->entries.front().resource_type == "Observation") {
            const fhir::PageEntry& e = page->entries.front();
            resources.push_back({e.id, e.version_id, e.last_updated, e.status, std::string(e.resource)});
          } else {
            askPoll(r.status == 404 || r.status == 410 ? "gone" : "read_failed");  // deletions: the rescan decides
          }
        } catch (const std::exception&) {
          askPoll("read_failed");
        }
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
    if (n && (!n->event_numbers.empty() || n->events_since_start)) {
      // Event numbers: a gap means notifications were missed (or the server skips some): poll.
      std::optional<std::int64_t> last;
      {
        store::Statement s = store_.db().prepare("SELECT last_event FROM subscription_events WHERE subscription = ?1");
        s.bind(1, n->subscription);
        if (s.step()) last = s.integer(0);
      }
      std::int64_t first = 0, highest = 0;
      if (!n->event_numbers.empty()) {
        first = *std::min_element(n->event_numbers.begin(), n->event_numbers.end());
        highest = *std::max_element(n->event_numbers.begin(), n->event_numbers.end());
      } else {
        // A heartbeat (or an event without numbers) says how many events there were so far.
        highest = *n->events_since_start;
        first = n->shape == Shape::Heartbeat ? highest + 1 : highest;
      }
      if (last && first > *last + 1) askPoll("event_gap");
      // Always the latest: a counter that went back (a server restart) is the new start; an
      // event delivered out of order costs at most one extra poll.
      store::Statement up = store_.db().prepare(
          "INSERT INTO subscription_events (subscription, last_event, updated_at) VALUES (?1, ?2, ?3) "
          "ON CONFLICT(subscription) DO UPDATE SET last_event = excluded.last_event, updated_at = excluded.updated_at");
      up.bind(1, n->subscription).bind(2, highest).bind(3, now);
      up.run();
    }
    if (outcome.empty())
      outcome = std::to_string(fresh) + " new, " + std::to_string(resources.size() - static_cast<std::size_t>(fresh)) + " known";
    store::Statement done =
        store_.db().prepare("UPDATE notifications SET status = 'done', outcome = ?1, processed_at = ?2 WHERE seq = ?3");
    done.bind(1, outcome).bind(2, now).bind(3, row.seq);
    done.run();
    t.commit();
  }
  return report;
}

std::size_t NotificationProcessor::pruneProcessed(std::chrono::hours keep) {
  // processed_at is a UTC instant in one fixed format, so text order is time order.
  const std::string cutoff = common::formatInstant(std::chrono::system_clock::now() - keep);
  store::Statement s = store_.db().prepare("DELETE FROM notifications WHERE status = 'done' AND processed_at < ?1");
  s.bind(1, cutoff);
  s.run();
  return static_cast<std::size_t>(sqlite3_changes(store_.db().handle()));
}

}  // namespace fa::callback

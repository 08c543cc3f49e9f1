#include "sync/poller.h"

#include <algorithm>
#include <set>

#include "common/instant.h"
#include "common/percent_encoding.h"
#include "core/version_key.h"
#include "fhir/bundle_page.h"
#include "sync/http_date.h"

namespace fa::sync {

std::string encodeQueryValue(const std::string& value) {
  return common::percentEncode(value, ",");  // "," separates a FHIR search's list of values
}

Poller::Poller(net::FhirClient& client, store::ObservationStore& store, SyncSettings settings, SyncObserver observer,
               std::function<bool()> stop_requested)
    : client_(client),
      store_(store),
      settings_(std::move(settings)),
      observer_(std::move(observer)),
      stop_requested_(std::move(stop_requested)) {}

std::string Poller::now() const {
  return common::nowInstant();
}

std::vector<std::pair<std::string, std::string>> Poller::queries(const mapping::TrialConfig& config,
                                                                 const mapping::Roster& roster) const {
  // One search per analyte code set.
  const std::vector<std::vector<std::string>> codes = config.codingsByAnalyte();
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t a = 0; a < config.analytes.size(); ++a) {
    std::string joined;
    for (const std::string& c : codes[a])
      joined += (joined.empty() ? "" : ",") + c;
    std::string base = "Observation?code=" + encodeQueryValue(joined);
    if (!settings_.category.empty()) base += "&category=" + encodeQueryValue(settings_.category);
    if (!settings_.per_patient) {
      out.emplace_back(config.analytes[a].code, base);
      continue;
    }
    for (const mapping::Subject& s : roster.subjects()) {
      // Identifier-only roster entries need a chained search the server may lack: use
      // global mode for those rosters.
      if (s.patient.rfind("Patient/", 0) != 0) continue;
      out.emplace_back(config.analytes[a].code + "@" + s.subject_id, base + "&patient=" + encodeQueryValue(s.patient));
    }
  }
  return out;
}

std::vector<std::string> Poller::runQuery(const std::string& key, const std::string& query, bool with_watermark,
                                          PassReport& report) {
  std::vector<std::string> seen;
  std::string url = query + "&_sort=_lastUpdated&_count=" + std::to_string(settings_.page_size);
  std::optional<std::string> watermark = with_watermark ? store_.watermark(key) : std::nullopt;
  if (watermark) {
    if (auto wm = parseInstant(*watermark)) url += "&_lastUpdated=ge" + encodeQueryValue(formatInstant(*wm - settings_.overlap));
  }
  std::optional<TimePoint> newest;
  std::optional<TimePoint> serverNow;
  ++report.queries;
  std::optional<std::string> next = url;
  while (next) {
    net::HttpResponse response = client_.get(*next);
    ++report.requests;
    if (response.status != 200)
      throw net::FhirError(response.status, "http_" + std::to_string(response.status),
                           "search " + key + " answered " + std::to_string(response.status));
    if (auto date = response.header("date")) serverNow = parseHttpDate(*date);
    std::string error;
    auto page = fhir::parseBundlePage(response.body, error);
    if (!page || page->resource_type != "Bundle")
      throw net::FhirError(response.status, "bad_bundle", "search " + key + ": " + (page ? "not a Bundle" : error));
    ++report.pages;
    std::vector<std::string> withdrawn;
    auto t = store_.transaction();
    const std::string stamp = now();
    int entries = 0;
    for (const fhir::PageEntry& e : page->entries) {
      if (e.resource_type != "Observation" || e.id.empty() || e.resource.empty()) continue;
      ++entries;
      ++report.observations_seen;
      seen.push_back(e.id);
      store::ObservationVersion v;
      v.id = e.id;
      v.version_key = core::versionKey(e.version_id, e.last_updated);
      v.last_updated = e.last_updated;
      v.status = e.status;
      v.resource = std::string(e.resource);
      v.source = with_watermark ? "poll" : "rescan";
      const bool fresh = store_.putVersion(v, stamp);
      if (fresh) ++report.new_versions;
      // A withdrawn result keeps the values of its last usable version, which only the history
      // holds when the search (or a push notification, which may have stored it first) showed
      // just the entered-in-error version.
      if (e.status == "entered-in-error" && !store_.hasUsableVersion(e.id)) withdrawn.push_back(e.id);
      if (e.last_updated) {
        if (auto lu = parseInstant(*e.last_updated); lu && (!newest || *lu > *newest)) newest = lu;
      }
    }
    next = page->next_url;
    if (!next && with_watermark && newest) {
      // Never past the server's own clock minus the lag: a transaction committing late may
      // carry an earlier lastUpdated than one already seen (the overlap window covers it too).
      TimePoint mark = *newest;
      if (serverNow && *serverNow - settings_.lag < mark) mark = *serverNow - settings_.lag;
      store_.setWatermark(key, formatInstant(mark), stamp);
    }
    t.commit();
    for (const std::string& id : withdrawn)
      fetchHistory(id, report);
    if (observer_.on_page) observer_.on_page(key, entries);
    if (next && stop_requested_()) {
      report.interrupted = true;
      break;
    }
  }
  return seen;
}

void Poller::findDeletions(const std::vector<std::string>& seen, PassReport& report) {
  std::set<std::string> present(seen.begin(), seen.end());
  std::set<std::string> deleted;
  for (const store::Deletion& d : store_.deletions())
    deleted.insert(d.id);
  for (const std::string& id : store_.observationIds()) {
    if (present.count(id) || deleted.count(id)) continue;
    if (stop_requested_()) {
      report.interrupted = true;
      return;
    }
    // Vanished from search: read it. 410 Gone / 404: deleted; 200: a newer version that no
    // longer matches the query (kept, the engine decides).
    net::HttpResponse r = client_.get("Observation/" + encodeQueryValue(id));
    ++report.requests;
    const std::string stamp = now();
    if (r.status == 410 || r.status == 404) {
      store::Deletion d;
      d.id = id;
      d.source = "rescan";
      if (auto date = r.header("date")) {
        if (auto t = parseHttpDate(*date)) d.last_modified = formatInstant(*t);
      }
      // The history may say exactly when it was deleted.
      if (auto when = fetchHistory(id, report)) d.last_modified = *when;
      if (store_.putDeletion(d, stamp)) ++report.deletions;
    } else if (r.status == 200) {
      std::string error;
      if (auto page = fhir::parseBundlePage(r.body, error); page && !page->entries.empty()) {
        const fhir::PageEntry& e = page->entries.front();
        store::ObservationVersion v{
            e.id, core::versionKey(e.version_id, e.last_updated), e.last_updated, e.status, std::string(e.resource), "rescan"};
        if (store_.putVersion(v, stamp)) ++report.new_versions;
      }
    }
  }
}

std::optional<std::string> Poller::fetchHistory(const std::string& id, PassReport& report) {
  std::optional<std::string> deletedAt;
  std::optional<std::string> next =
      "Observation/" + encodeQueryValue(id) + "/_history?_count=" + std::to_string(settings_.page_size);
  while (next) {
    net::HttpResponse h = client_.get(*next);
    ++report.requests;
    if (h.status != 200) return deletedAt;  // no history support: the record keeps what it has
    std::string error;
    auto page = fhir::parseBundlePage(h.body, error);
    if (!page) return deletedAt;
    auto t = store_.transaction();
    const std::string stamp = now();
    for (const fhir::PageEntry& e : page->entries) {
      if (e.request_method == "DELETE") {
        // History lists newest first: the first DELETE is the latest.
        if (!deletedAt && e.response_last_modified) deletedAt = e.response_last_modified;
        continue;
      }
      if (e.resource_type != "Observation" || e.id != id || e.resource.empty()) continue;
      store::ObservationVersion v{
          e.id, core::versionKey(e.version_id, e.last_updated), e.last_updated, e.status, std::string(e.resource), "history"};
      if (store_.putVersion(v, stamp)) ++report.new_versions;
    }
    t.commit();
    next = page->next_url;
  }
  return deletedAt;
}

PassReport Poller::pass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan) {
  PassReport report;
  std::vector<std::string> all;
  for (const auto& [key, query] : queries(config, roster)) {
    // Without a watermark the incremental search already lists everything: no second listing.
    const bool firstLoad = !store_.watermark(key);
    auto seen = runQuery(key, query, true, report);
    if (report.interrupted) return report;
    if (!rescan) continue;
    if (!firstLoad) seen = runQuery(key, query, false, report);
    if (report.interrupted) return report;
    all.insert(all.end(), seen.begin(), seen.end());
  }
  if (rescan) {
    findDeletions(all, report);
    report.rescanned = !report.interrupted;
  }
  return report;
}

}  // namespace fa::sync

// Poller: one search followed through its pages, each page committed with the progress it makes.
#include "sync/poller.h"

namespace fa::sync {

std::string Poller::searchUrl(const std::string& query, const std::optional<std::string>& watermark) const {
  std::string url = query + "&_sort=_lastUpdated&_count=" + std::to_string(settings_.page_size);
  // ge, not gt, and an overlap: results sharing the watermark's instant, and late commits that
  // carry an earlier lastUpdated, are listed again and deduplicated on (id, versionId).
  if (watermark) {
    if (auto wm = parseInstant(*watermark)) url += "&_lastUpdated=ge" + encodeQueryValue(formatInstant(*wm - settings_.overlap));
  }
  return url;
}

std::vector<std::string> Poller::runQuery(const std::string& key, const std::string& query, bool with_watermark,
                                          PassReport& report) {
  SearchRun run;
  run.key = key;
  run.with_watermark = with_watermark;
  if (with_watermark) run.start_watermark = store_.watermark(key);
  std::vector<std::string> seen;
  ++report.queries;
  std::optional<std::string> next = searchUrl(query, run.start_watermark);
  while (next) {
    const net::HttpResponse response = getSearchPage(*next, report);  // the page's text lives here
    const fhir::BundlePage page = readSearchPage(response, run, report);
    next = page.next_url;
    const PageResult result = commitPage(page, run, report);
    seen.insert(seen.end(), result.ids.begin(), result.ids.end());
    for (const std::string& id : result.withdrawn)
      fetchHistory(id, report);
    if (observer_.on_page) observer_.on_page(key, result.entries);
    if (next && stop_requested_()) {
      report.interrupted = true;
      break;
    }
  }
  return seen;
}

net::HttpResponse Poller::getSearchPage(const std::string& url, PassReport& report) {
  net::HttpResponse response = client_.get(url);  // a next link is used exactly as given
  ++report.requests;
  return response;
}

fhir::BundlePage Poller::readSearchPage(const net::HttpResponse& response, SearchRun& run, PassReport& report) {
  if (response.status != 200)
    throw net::FhirError(response.status, "http_" + std::to_string(response.status),
                         "search " + run.key + " answered " + std::to_string(response.status));
  if (auto date = response.header("date")) run.server_now = parseHttpDate(*date);
  std::string error;
  std::optional<fhir::BundlePage> page = fhir::parseBundlePage(response.body, error);
  if (!page || page->resource_type != "Bundle")
    throw net::FhirError(response.status, "bad_bundle", "search " + run.key + ": " + (page ? "not a Bundle" : error));
  ++report.pages;
  return std::move(*page);
}

void Poller::SearchRun::noteLastUpdated(const std::optional<std::string>& last_updated) {
  if (!last_updated) return;
  if (auto lu = parseInstant(*last_updated)) {
    if (newest && *lu < *newest) sorted = false;
    if (!newest || *lu > *newest) newest = lu;
  }
}

Poller::PageResult Poller::commitPage(const fhir::BundlePage& page, SearchRun& run, PassReport& report) {
  PageResult result;
  auto t = store_.transaction();
  const std::string stamp = now();
  const bool wasSorted = run.sorted;
  for (const fhir::PageEntry& e : page.entries) {
    if (e.resource_type != "Observation" || e.id.empty() || e.resource.empty()) continue;
    ++result.entries;
    ++report.observations_seen;
    result.ids.push_back(e.id);
    if (store_.putVersion(versionOf(e, run.with_watermark ? "poll" : "rescan"), stamp)) ++report.new_versions;
    // A withdrawn result keeps the values of its last usable version, which only the history
    // holds when the search (or a push notification, which may have stored it first) showed
    // just the entered-in-error version.
    if (e.status == "entered-in-error" && !store_.hasUsableVersion(e.id)) result.withdrawn.push_back(e.id);
    run.noteLastUpdated(e.last_updated);
  }
  if (wasSorted && !run.sorted) ++report.unsorted_queries;
  noteSeenAgain(result.ids, report);
  if (run.with_watermark) advanceWatermark(run, !page.next_url, stamp);
  t.commit();
  return result;
}

// After a page, the watermark moves to the highest lastUpdated seen (never past the server's
// Date minus the lag): with results sorted by _lastUpdated, everything before it has been
// stored, and what shares its instant is listed again by the ge of the next query. Committed
// with the page, so a pass interrupted after page k resumes near page k.
void Poller::advanceWatermark(SearchRun& run, bool last_page, const std::string& stamp) {
  if (!run.sorted && !last_page) {
    // A server that ignores _sort: no page is a safe place to resume. Take back what earlier
    // pages wrote; the watermark is written once the last page is in, as a whole pass allows.
    if (run.progress_written) {
      if (run.start_watermark) {
        store_.setWatermark(run.key, *run.start_watermark, stamp);
      } else {
        store_.clearWatermark(run.key);
      }
      run.progress_written = false;
    }
    return;
  }
  if (!run.newest) return;
  TimePoint mark = *run.newest;
  // Not behind the stored watermark on account of the data (it was itself a safe place to
  // resume: results since deleted may have set it)...
  const std::optional<std::string> current = store_.watermark(run.key);
  if (current) {
    if (auto stored = parseInstant(*current); stored && *stored > mark) mark = *stored;
  }
  // ...but never past the server's own clock minus the lag: a transaction committing late may
  // carry an earlier lastUpdated than one already seen, and a server whose clock was set back
  // stamps new results earlier than the watermark.
  if (run.server_now && *run.server_now - settings_.lag < mark) mark = *run.server_now - settings_.lag;
  const std::string text = formatInstant(mark);
  if (current == text) return;
  store_.setWatermark(run.key, text, stamp);
  if (!last_page) run.progress_written = true;
}

// A resource seen in a search or a read exists: what said it was deleted was wrong (or the
// server restored it), so its pending and confirmed deletions are undone.
void Poller::noteSeenAgain(const std::vector<std::string>& ids, PassReport& report) {
  const store::ObservationStore::DeletionUndo undo = store_.undoDeletions(ids);
  report.pending_cleared += undo.pending_cleared;
  report.deletions_undone += static_cast<int>(undo.deletions_undone.size());
}

}  // namespace fa::sync

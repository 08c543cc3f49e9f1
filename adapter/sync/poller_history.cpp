// Poller: a resource's _history, for the versions a search no longer shows.
#include "sync/poller.h"

namespace fa::sync {
namespace {

// Statuses of a server that keeps or shows no history for the resource: the record keeps what
// it has. Anything else (5xx after retries, transport failures) is a failure of the pass.
bool meansNoHistory(int status) {
  return status == 400 || status == 403 || status == 404 || status == 405 || status == 410 || status == 501;
}

}  // namespace

std::optional<std::string> Poller::fetchHistory(const std::string& id, PassReport& report) {
  std::optional<std::string> deletedAt;
  std::optional<std::string> next =
      "Observation/" + encodeQueryValue(id) + "/_history?_count=" + std::to_string(settings_.page_size);
  while (next) {
    net::HttpResponse h;
    try {
      h = client_.get(*next);
    } catch (const net::FhirError& e) {
      if (!meansNoHistory(e.status())) throw;
      h.status = e.status();
    }
    ++report.requests;
    if (h.status != 200) {
      ++report.history_unavailable;
      return deletedAt;
    }
    std::string error;
    auto page = fhir::parseBundlePage(h.body, error);
    if (!page) {
      ++report.history_unavailable;
      return deletedAt;
    }
    auto t = store_.transaction();
    const std::string stamp = now();
    for (const fhir::PageEntry& e : page->entries) {
      if (e.request_method == "DELETE") {
        // History lists newest first: the first DELETE is the latest.
        if (!deletedAt && e.response_last_modified) deletedAt = e.response_last_modified;
        continue;
      }
      if (e.resource_type != "Observation" || e.id != id || e.resource.empty()) continue;
      if (store_.putVersion(versionOf(e, "history"), stamp)) ++report.new_versions;
    }
    t.commit();
    next = page->next_url;
  }
  return deletedAt;
}

}  // namespace fa::sync

#include "bulk/history_reads.h"

#include <set>

#include "fhir/bundle_page.h"
#include "sync/poller.h"

namespace fa::bulk {
namespace {

constexpr int kPageSize = 100;

// Statuses of a server that keeps or shows no history for the resource (as the poller reads them).
bool meansNoHistory(int status) {
  return status == 400 || status == 403 || status == 404 || status == 405 || status == 410 || status == 501;
}

void readHistory(net::FhirClient& client, store::ObservationStore& store, const std::string& id, const std::string& now,
                 HistoryReads& reads) {
  std::optional<std::string> next = "Observation/" + sync::encodeQueryValue(id) + "/_history?_count=" + std::to_string(kPageSize);
  while (next) {
    net::HttpResponse h;
    try {
      h = client.get(*next);
    } catch (const net::FhirError& e) {
      if (!meansNoHistory(e.status())) throw;
      h.status = e.status();
    }
    ++reads.requests;
    std::string error;
    const auto page = h.status == 200 ? fhir::parseBundlePage(h.body, error) : std::nullopt;
    if (!page) {
      ++reads.unavailable;
      return;
    }
    auto t = store.transaction();
    for (const fhir::PageEntry& e : page->entries) {
      if (e.request_method == "DELETE" || e.resource_type != "Observation" || e.id != id || e.resource.empty()) continue;
      if (store.putVersion(sync::versionOf(e, "history"), now)) ++reads.new_versions;
    }
    t.commit();
    next = page->next_url;
  }
}

}  // namespace

HistoryReads readWithdrawnHistories(net::FhirClient& client, store::ObservationStore& store, const std::string& now) {
  HistoryReads reads;
  std::set<std::string> withdrawn;
  store.forEachVersion([&](const store::ObservationVersion& v) {
    if (v.status == "entered-in-error") withdrawn.insert(v.id);
  });
  for (const std::string& id : withdrawn) {
    if (store.hasUsableVersion(id)) continue;
    ++reads.resources;
    readHistory(client, store, id, now, reads);
  }
  return reads;
}

}  // namespace fa::bulk

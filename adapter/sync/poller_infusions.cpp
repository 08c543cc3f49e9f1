// Poller: the albumin infusion searches of the screening check (docs/trial-rules.md "Screening
// checks"). One search per resource type (per patient with [fhir] per_patient), by the albumin
// codes of the mappings, paged and watermarked like the Observation searches; each entry's
// reading (engine::readAlbuminInfusion) is kept or, when it is no infusion, forgotten.
#include <rapidjson/document.h>

#include "engine/albumin_infusion.h"
#include "sync/poller.h"

namespace fa::sync {
namespace {

// A server (or a SMART scope) that does not offer these resources answers 4xx: the check
// then has no data, which is no reason to stop syncing the results.
bool searchUnavailable(int status) {
  return status == 400 || status == 401 || status == 403 || status == 404 || status == 405 || status == 501;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Poller::infusionQueries(const mapping::TrialConfig& config,
                                                                         const mapping::Roster& roster) const {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string codes = engine::albuminCodeSearchValue(config);
  if (codes.empty()) return out;
  for (const char* type : engine::kInfusionResourceTypes) {
    const std::string key = std::string("albumin:") + type;
    const std::string base = std::string(type) + "?code=" + encodeQueryValue(codes);
    if (!settings_.per_patient) {
      out.emplace_back(key, base);
      continue;
    }
    for (const mapping::Subject& s : roster.subjects()) {
      if (s.patient.rfind("Patient/", 0) != 0) continue;  // as for Observations: global mode needed
      out.emplace_back(key + "@" + s.subject_id, base + "&patient=" + encodeQueryValue(s.patient));
    }
  }
  return out;
}

void Poller::pullAlbuminInfusions(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan,
                                  PassReport& report) {
  for (const auto& [key, query] : infusionQueries(config, roster)) {
    // A rescan lists everything again: an infusion of a subject added to the roster since, or
    // one whose reading changed without a newer lastUpdated, is read anew.
    runInfusionQuery(key, query, !rescan, config, roster, report);
    if (report.interrupted) return;
  }
}

void Poller::runInfusionQuery(const std::string& key, const std::string& query, bool with_watermark,
                              const mapping::TrialConfig& config, const mapping::Roster& roster, PassReport& report) {
  SearchRun run;
  run.key = key;
  run.with_watermark = with_watermark;
  run.start_watermark = store_.watermark(key);
  ++report.queries;
  std::optional<std::string> next = searchUrl(query, with_watermark ? run.start_watermark : std::nullopt);
  while (next) {
    std::optional<net::HttpResponse> answer = getInfusionPage(*next, report);
    if (!answer) return;
    const fhir::BundlePage page = readSearchPage(*answer, run, report);
    next = page.next_url;
    commitInfusionPage(page, run, config, roster, report);
    if (next && stop_requested_()) {
      report.interrupted = true;
      return;
    }
  }
}

std::optional<net::HttpResponse> Poller::getInfusionPage(const std::string& url, PassReport& report) {
  ++report.requests;
  try {
    net::HttpResponse response = client_.get(url);  // 2xx, 404, 410; throws on other statuses
    if (!searchUnavailable(response.status)) return response;
  } catch (const net::FhirError& e) {
    if (!searchUnavailable(e.status())) throw;
  }
  ++report.infusion_searches_unavailable;
  return std::nullopt;
}

void Poller::commitInfusionPage(const fhir::BundlePage& page, SearchRun& run, const mapping::TrialConfig& config,
                                const mapping::Roster& roster, PassReport& report) {
  auto t = store_.transaction();
  const std::string stamp = now();
  for (const fhir::PageEntry& e : page.entries) {
    if (e.resource.empty()) continue;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(e.resource.data(), e.resource.size());
    if (doc.HasParseError()) continue;  // parseBundlePage already read it: cannot happen
    const engine::InfusionReading reading = engine::readAlbuminInfusion(doc, config, roster, client_.base_url());
    if (reading.outcome == engine::InfusionReading::Outcome::NotAMedicationResource) continue;  // an OperationOutcome
    if (reading.infusion) {
      store_.putAlbuminInfusion(*reading.infusion, e.last_updated, stamp);
      ++report.albumin_infusions_seen;
    } else {
      store_.removeAlbuminInfusion(reading.resource);
    }
    run.noteLastUpdated(e.last_updated);
  }
  advanceWatermark(run, !page.next_url, stamp);
  t.commit();
}

}  // namespace fa::sync

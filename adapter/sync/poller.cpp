#include "sync/poller.h"

#include <algorithm>
#include <cctype>

#include "common/instant.h"
#include "common/percent_encoding.h"
#include "core/version_key.h"

namespace fa::sync {

std::string encodeQueryValue(const std::string& value) {
  return common::percentEncode(value, ",");  // "," separates a FHIR search's list of values
}

Poller::Poller(net::FhirClient& client, store::ObservationStore& store, SyncSettings settings, SyncObserver observer,
               std::function<bool()> stop_requested, std::function<TimePoint()> clock)
    : client_(client),
      store_(store),
      settings_(std::move(settings)),
      observer_(std::move(observer)),
      stop_requested_(std::move(stop_requested)),
      clock_(std::move(clock)) {
  if (!stop_requested_) stop_requested_ = [] { return false; };
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::string Poller::now() const {
  return formatInstant(clock_());
}

store::ObservationVersion versionOf(const fhir::PageEntry& e, const std::string& source) {
  return store::ObservationVersion{
      e.id, core::versionKey(e.version_id, e.last_updated), e.last_updated, e.status, std::string(e.resource), source};
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

PassReport Poller::pass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan) {
  PassReport report;
  runPass(config, roster, rescan, report);
  report.pending_deletions = static_cast<int>(store_.pendingDeletionCount());
  return report;
}

void Poller::runPass(const mapping::TrialConfig& config, const mapping::Roster& roster, bool rescan, PassReport& report) {
  std::vector<std::string> all;
  for (const auto& [key, query] : queries(config, roster)) {
    // Without a watermark the incremental search already lists everything: no second listing.
    // (A first load interrupted and resumed has a watermark by then: it is listed again.)
    const bool firstLoad = !store_.watermark(key);
    auto seen = runQuery(key, query, true, report);
    if (report.interrupted) return;
    if (!rescan) continue;
    if (!firstLoad) seen = runQuery(key, query, false, report);
    if (report.interrupted) return;
    all.insert(all.end(), seen.begin(), seen.end());
  }
  if (rescan) {
    findDeletions(all, report);
    report.rescanned = !report.interrupted;
  }
  if (!report.interrupted) pullAlbuminInfusions(config, roster, rescan, report);
}

}  // namespace fa::sync

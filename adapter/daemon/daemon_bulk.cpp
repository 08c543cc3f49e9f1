// Daemon: the Bulk Data $export pass of a step (docs/contract.md, "[bulk]").
// It runs before the step's poll when `run --once --bulk` asks for it, when [bulk] first_load
// finds an empty store, or when an earlier export was interrupted (its job is persisted in the
// store: resumed, not kicked off again). The incremental searches then start at the export's
// transactionTime.
#include <thread>

#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "store/bulk_job_store.h"

namespace fa::daemon {
namespace {

void logBulkExport(const bulk::BulkReport& r) {
  logInfo("bulk_export", {{"completed", r.completed ? "true" : "false"},
                          {"interrupted", r.interrupted ? "true" : "false"},
                          {"resumed", r.resumed ? "true" : "false"},
                          {"kickoffs", std::to_string(r.kickoffs)},
                          {"status_polls", std::to_string(r.status_polls)},
                          {"file_requests", std::to_string(r.file_requests)},
                          {"files", std::to_string(r.files)},
                          {"files_skipped", std::to_string(r.files_skipped)},
                          {"new_versions", std::to_string(r.counts.new_versions)},
                          {"unmatched_codes", std::to_string(r.counts.unmatched_codes)},
                          {"other_types", std::to_string(r.counts.other_types)},
                          {"deletions", std::to_string(r.counts.deletions)},
                          {"rejected", std::to_string(r.counts.rejected)},
                          {"transaction_time", r.transaction_time.empty() ? "none" : r.transaction_time}});
}

}  // namespace

bool Daemon::bulkDue() {
  if (bulk_done_) return false;
  // An interrupted export resumes whatever started it.
  const bool due = options_.bulk || store::BulkJobStore(parts_.store).job() ||
                   (config_.bulk.enabled && config_.bulk.first_load && parts_.store.versionCount() == 0);
  if (!due) bulk_done_ = true;  // asked once per process: only an export saves a job
  return due;
}

bulk::BulkParts Daemon::bulkParts() {
  std::function<bool(std::chrono::milliseconds)> wait = parts_.wait_for;
  if (!wait) {
    wait = [stop = parts_.stop_requested, tick = parts_.on_page](std::chrono::milliseconds delay) {
      const auto until = std::chrono::steady_clock::now() + delay;
      while (!stop() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(1), until - std::chrono::steady_clock::now()));
        tick();
      }
      return !stop();
    };
  }
  bulk::BulkParts p{parts_.client, parts_.bulk_http, parts_.bulk_auth,
                    parts_.store,  std::move(wait),  [&clock = parts_.clock] { return clock.systemNow(); }};
  p.stop_requested = parts_.stop_requested;
  p.log = [](const std::string& event, const bulk::LogFields& fields) { logInfo(event, fields); };
  return p;
}

// Says whether the export stored anything new. A server without $export at the configured
// level is no failure of a first load: the paged searches load it instead.
bool Daemon::bulkLoad(StepReport& report) {
  const bool emptyStore = parts_.store.versionCount() == 0;
  std::vector<std::string> keys;
  for (const auto& [key, query] : poller_.queries(*trial_.config, *trial_.roster))
    keys.push_back(key);
  auto fail = [&](const std::string& result, const std::string& problem) {
    parts_.metrics.add("fhir_adapter_bulk_exports_total", 1, {{"result", result}});
    logError("bulk_export_failed", {{"result", result}, {"problem", problem}});
    report.problem = ServerProblem::SyncFailed;
    report.problem_text = problem;
    next_poll_ = parts_.clock.steadyNow() + config_.schedule.interval;
    return false;
  };
  if (!parts_.bulk_http) return fail("failed", "no HTTP client for the export files");
  try {
    bulk::BulkExport exporter(bulkParts(), config_.bulk);
    report.bulk = exporter.run(*trial_.config, config_.sync.category, keys);
  } catch (const bulk::ExportUnsupported& e) {
    if (options_.bulk) return fail("unsupported", e.what());
    parts_.metrics.add("fhir_adapter_bulk_exports_total", 1, {{"result", "unsupported"}});
    logWarn("bulk_unavailable", {{"status", std::to_string(e.status())}, {"fallback", "paged search"}});
    bulk_done_ = true;
    return false;
  } catch (const bulk::BulkError& e) {
    return fail("failed", e.what());
  } catch (const net::FhirError& e) {
    return fail("failed", e.what());
  }
  logBulkExport(*report.bulk);
  const bulk::BulkReport& r = *report.bulk;
  parts_.metrics.add("fhir_adapter_observation_versions_new_total", static_cast<double>(r.counts.new_versions));
  parts_.metrics.add("fhir_adapter_bulk_exports_total", 1, {{"result", r.interrupted ? "interrupted" : "completed"}});
  if (r.interrupted) return r.counts.new_versions > 0;
  bulk_done_ = true;
  // Every stored result came in this export: the deletion check can wait for its schedule.
  if (emptyStore && !options_.once) last_rescan_ = parts_.clock.steadyNow();
  return r.counts.new_versions > 0 || r.counts.deletions > 0;
}

}  // namespace fa::daemon

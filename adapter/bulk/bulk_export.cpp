#include "bulk/bulk_export.h"

#include <algorithm>

#include "bulk/history_reads.h"
#include "bulk/kickoff.h"
#include "store/bulk_job_store.h"
#include "sync/http_date.h"

namespace fa::bulk {
namespace {

// A new kick-off at most this often per run when files keep expiring.
constexpr int kMaxKickoffs = 3;
// X-Progress is free text; what reaches the log is kept short.
constexpr std::size_t kMaxProgressText = 120;

bool unsupportedAtKickoff(int status) {
  return status == 400 || status == 404 || status == 405 || status == 501;
}

}  // namespace

BulkExport::BulkExport(BulkParts parts, BulkSettings settings) : parts_(std::move(parts)), settings_(std::move(settings)) {
  if (!parts_.now) parts_.now = [] { return std::chrono::system_clock::now(); };
  if (!parts_.stop_requested) parts_.stop_requested = [] { return false; };
  if (!parts_.log) parts_.log = [](const std::string&, const LogFields&) {};
}

std::string BulkExport::now() const {
  return sync::formatInstant(parts_.now());
}

BulkReport BulkExport::run(const mapping::TrialConfig& config, const std::string& category,
                           const std::vector<std::string>& watermark_keys) {
  BulkReport report;
  store::BulkJobStore jobs(parts_.store);
  std::optional<store::BulkJob> job = jobs.job();
  if (job) {
    report.resumed = true;
    parts_.log("bulk_resumed", {{"started_at", job->started_at}, {"files_done", std::to_string(jobs.finishedFileCount())}});
  }
  while (true) {
    if (!job) {
      if (report.kickoffs >= kMaxKickoffs) throw BulkError(0, "export files keep expiring before they are downloaded");
      kickOff(config, category, report);
      job = jobs.job();
    }
    if (!job->manifest) {
      std::optional<std::string> manifest = waitForManifest(job->polling_url, report);
      if (report.interrupted) return report;
      if (!manifest) {
        job.reset();  // gone on the server: kicked off again
        continue;
      }
      jobs.saveManifest(*manifest);
      job->manifest = std::move(manifest);
    }
    std::string problem;
    const std::optional<Manifest> parsed = parseManifest(*job->manifest, problem);
    if (!parsed) {
      jobs.clearJob();
      throw BulkError(200, "export manifest unusable: " + problem);
    }
    if (!storeFiles(*parsed, config, report)) {
      if (report.interrupted) return report;
      jobs.clearJob();
      job.reset();
      continue;
    }
    finish(*parsed, job->polling_url, watermark_keys, report);
    return report;
  }
}

std::string BulkExport::kickOff(const mapping::TrialConfig& config, const std::string& category, BulkReport& report) {
  store::BulkJobStore jobs(parts_.store);
  const std::string url = kickoffUrl(settings_, trialCodes(config), category, jobs.lastTransactionTime());
  net::HttpRequest request;
  request.url = url;
  request.headers["accept"] = "application/fhir+json";
  request.headers["prefer"] = "respond-async";
  ++report.kickoffs;
  net::HttpResponse response;
  try {
    response = parts_.client.send(request);
  } catch (const net::FhirError& e) {
    if (unsupportedAtKickoff(e.status())) throw ExportUnsupported(e.status(), e.what());
    throw;
  }
  if (unsupportedAtKickoff(response.status) || response.status == 410)
    throw ExportUnsupported(response.status, "$export kick-off answered " + std::to_string(response.status));
  const auto location = response.header("content-location");
  if (response.status != 202 || !location || location->empty())
    throw BulkError(response.status, "$export kick-off answered " + std::to_string(response.status) +
                                         (location ? "" : " without Content-Location"));
  // Relative polling URLs (not allowed, but seen) are taken relative to the FHIR base.
  const std::string polling = location->find("://") == std::string::npos
                                  ? parts_.client.base_url() + "/" + location->substr(location->front() == '/' ? 1 : 0)
                                  : *location;
  jobs.startJob(url, polling, now());
  parts_.log("bulk_kickoff", {{"level", settings_.level}, {"since", jobs.lastTransactionTime().value_or("none")}});
  return polling;
}

std::chrono::milliseconds BulkExport::pollDelay(const net::HttpResponse& response, int polls) const {
  using std::chrono::milliseconds;
  if (auto header = response.header("retry-after")) {
    if (auto d = net::parseRetryAfter(*header, parts_.now()))
      return std::clamp<milliseconds>(*d, milliseconds(100), settings_.max_retry_after);
  }
  const milliseconds first = settings_.poll_min;
  const milliseconds cap = settings_.poll_max;
  milliseconds d = first;
  for (int i = 1; i < polls && d < cap; ++i)
    d *= 2;
  return std::min(d, cap);
}

bool BulkExport::wait(std::chrono::milliseconds delay, BulkReport& report) {
  if (report.waited + delay > settings_.max_wait)
    throw BulkError(202, "export not complete after " + std::to_string(settings_.max_wait.count()) +
                             " s; the job is kept and resumed by the next run");
  report.waited += delay;
  if (parts_.stop_requested() || !parts_.sleep(delay)) {
    report.interrupted = true;
    return false;
  }
  return true;
}

std::optional<std::string> BulkExport::waitForManifest(const std::string& polling_url, BulkReport& report) {
  for (int polls = 1;; ++polls) {
    net::HttpResponse response;
    ++report.status_polls;
    try {
      response = parts_.client.get(polling_url);
    } catch (const net::FhirError& e) {
      // A 4xx (not 429) with an OperationOutcome: the job failed; polling it again cannot help.
      if (e.status() >= 400 && e.status() < 500 && e.status() != 429) store::BulkJobStore(parts_.store).clearJob();
      throw;
    }
    if (response.status == 200) return std::move(response.body);
    if (response.status == 404 || response.status == 410) {
      parts_.log("bulk_job_gone", {{"status", std::to_string(response.status)}});
      store::BulkJobStore(parts_.store).clearJob();
      return std::nullopt;
    }
    if (response.status != 202) throw BulkError(response.status, "export status answered " + std::to_string(response.status));
    if (auto progress = response.header("x-progress"))
      parts_.log("bulk_progress", {{"progress", progress->substr(0, kMaxProgressText)}, {"polls", std::to_string(polls)}});
    if (!wait(pollDelay(response, polls), report)) return std::nullopt;
  }
}

bool BulkExport::storeFiles(const Manifest& manifest, const mapping::TrialConfig& config, BulkReport& report) {
  FetchPolicy policy;
  policy.attempts = settings_.file_attempts;
  policy.backoff = settings_.file_backoff;
  policy.max_retry_after = settings_.max_retry_after;
  FileFetcher fetcher(parts_.http, parts_.auth, policy, parts_.sleep, parts_.now);
  const bool token = manifest.requires_access_token;
  const std::pair<const std::vector<ManifestFile>*, FileKind> lists[] = {
      {&manifest.output, FileKind::Output}, {&manifest.deleted, FileKind::Deleted}, {&manifest.error, FileKind::Error}};
  try {
    for (const auto& [files, kind] : lists) {
      for (const ManifestFile& file : *files) {
        if (parts_.stop_requested()) {
          report.interrupted = true;
          return false;
        }
        storeFile(fetcher, file, kind, token, config, report);
      }
    }
  } catch (const FileGone& e) {
    parts_.log("bulk_file_gone", {{"problem", e.what()}});
    report.file_requests += fetcher.requests();
    return false;
  } catch (const FileFetcher::Interrupted&) {
    report.interrupted = true;
    report.file_requests += fetcher.requests();
    return false;
  }
  report.file_requests += fetcher.requests();
  return true;
}

void BulkExport::storeFile(FileFetcher& fetcher, const ManifestFile& file, FileKind kind, bool with_token,
                           const mapping::TrialConfig& config, BulkReport& report) {
  store::BulkJobStore jobs(parts_.store);
  // Servers ignore _type too: a file of another resource type is not even downloaded.
  const bool wanted = kind != FileKind::Output || file.type.empty() || file.type == "Observation";
  if (!wanted || jobs.fileFinished(file.url)) {
    ++report.files_skipped;
    return;
  }
  const std::string body = fetcher.fetch(file.url, with_token);
  const IngestCounts counts = ingestFile(parts_.store, config, file.url, kind, body, settings_.batch_lines, now());
  ++report.files;
  report.counts.add(counts);
  parts_.log("bulk_file", {{"kind", kindName(kind)},
                           {"lines", std::to_string(counts.lines)},
                           {"new_versions", std::to_string(counts.new_versions)},
                           {"unmatched_codes", std::to_string(counts.unmatched_codes)},
                           {"other_types", std::to_string(counts.other_types)},
                           {"deletions", std::to_string(counts.deletions)},
                           {"rejected", std::to_string(counts.rejected)}});
  if (kind == FileKind::Error) {
    LogFields fields;
    for (const auto& [issue, n] : counts.issues)
      fields.emplace_back(issue, std::to_string(n));  // severity/code only: diagnostics may quote patient data
    parts_.log("bulk_errors", fields);
  }
}

void BulkExport::finish(const Manifest& manifest, const std::string& polling_url, const std::vector<std::string>& keys,
                        BulkReport& report) {
  store::BulkJobStore jobs(parts_.store);
  const HistoryReads history = readWithdrawnHistories(parts_.client, parts_.store, now());
  report.history_reads = history.requests;
  report.counts.new_versions += history.new_versions;
  // Everything up to transactionTime is in the files: the incremental searches start there
  // (minus the poller's overlap), never at the client's clock. A watermark already later stays.
  const std::string mark = sync::formatInstant(*sync::parseInstant(manifest.transaction_time));
  const std::string stamp = now();
  {
    auto t = parts_.store.transaction();
    for (const std::string& key : keys) {
      const std::optional<std::string> current = parts_.store.watermark(key);
      const auto current_at = current ? sync::parseInstant(*current) : std::nullopt;
      if (!current_at || *current_at < *sync::parseInstant(mark)) parts_.store.setWatermark(key, mark, stamp);
    }
    jobs.setLastTransactionTime(mark);
    jobs.clearJob();
    t.commit();
  }
  report.transaction_time = mark;
  report.completed = true;
  // Frees the files on the server. Forgotten here first: a crash now costs at most an orphan job.
  try {
    net::HttpRequest request;
    request.method = "DELETE";
    request.url = polling_url;
    const net::HttpResponse r = parts_.client.send(request);
    if (r.status >= 300) parts_.log("bulk_delete_failed", {{"status", std::to_string(r.status)}});
  } catch (const net::FhirError& e) {
    parts_.log("bulk_delete_failed", {{"status", std::to_string(e.status())}});
  }
}

}  // namespace fa::bulk

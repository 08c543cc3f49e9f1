#pragma once
// BulkExport: one FHIR Bulk Data export pass into the store (docs/fhir-servers.md,
// "Bulk Data export"; docs/contract.md, "[bulk]").
//
//   kick-off (or resume the persisted job) -> poll the status URL (Retry-After, backoff,
//   X-Progress logged) -> manifest -> each file, one at a time, into the store -> watermarks
//   of the incremental searches = the manifest's transactionTime -> DELETE the job.
//
// Kick-off, status polls and the DELETE go through net::FhirClient (token, retries of 429/5xx,
// 401 renewal); files through FileFetcher (token only when requiresAccessToken, never across
// origins). The polling URL, the manifest and each finished file are persisted
// (store::BulkJobStore), so a run killed at any point resumes without a new kick-off and
// without storing anything twice. A file that expired (404/410) makes a new kick-off.
// Time and waiting are injected: tests never sleep.
// Thread-safety: one thread at a time (one FhirClient, one store connection).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bulk/bulk_settings.h"
#include "bulk/file_fetcher.h"
#include "bulk/manifest.h"
#include "bulk/ndjson_ingest.h"
#include "mapping/trial_config.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"

namespace fa::bulk {

// The server offers no $export at this level (kick-off answered 400, 404, 405, 501): the
// caller may fall back to paged searches.
class ExportUnsupported : public BulkError {
 public:
  using BulkError::BulkError;
};

using LogFields = std::vector<std::pair<std::string, std::string>>;

struct BulkParts {
  net::FhirClient& client;
  std::shared_ptr<net::HttpClient> http;  // file downloads
  std::shared_ptr<net::Authenticator> auth;
  store::ObservationStore& store;
  Sleeper sleep;  // false: stop requested during the wait
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<bool()> stop_requested = [] { return false; };
  // bulk_kickoff, bulk_progress, bulk_file, bulk_errors, bulk_job_gone, bulk_delete_failed ...
  std::function<void(const std::string& event, const LogFields& fields)> log = [](const std::string&, const LogFields&) {};
};

struct BulkReport {
  bool resumed = false;      // the persisted job was taken up again
  bool completed = false;    // every file stored, watermarks set, job deleted
  bool interrupted = false;  // stopped on request (the job stays persisted)
  int kickoffs = 0;
  int status_polls = 0;
  int file_requests = 0;
  int history_reads = 0;  // _history requests for results withdrawn before the export
  int files = 0;          // files downloaded and stored in this run
  int files_skipped = 0;  // finished by an earlier run, or not Observation files
  IngestCounts counts;
  std::string transaction_time;  // the watermark set (normalised instant)
  std::chrono::milliseconds waited{0};
};

class BulkExport {
 public:
  BulkExport(BulkParts parts, BulkSettings settings);

  // `watermark_keys`: the poller's query keys, whose watermarks become the transactionTime.
  // `category`: [fhir] category, added to _typeFilter. Throws BulkError (ExportUnsupported)
  // or net::FhirError when the export cannot be done now.
  BulkReport run(const mapping::TrialConfig& config, const std::string& category, const std::vector<std::string>& watermark_keys);

 private:
  std::string kickOff(const mapping::TrialConfig& config, const std::string& category, BulkReport& report);
  // The manifest text; nullopt when the job is gone on the server (kick off again).
  std::optional<std::string> waitForManifest(const std::string& polling_url, BulkReport& report);
  std::chrono::milliseconds pollDelay(const net::HttpResponse& response, int polls) const;
  bool wait(std::chrono::milliseconds delay, BulkReport& report);
  // False when a file was gone (kick off again).
  bool storeFiles(const Manifest& manifest, const mapping::TrialConfig& config, BulkReport& report);
  void storeFile(FileFetcher& fetcher, const ManifestFile& file, FileKind kind, bool with_token,
                 const mapping::TrialConfig& config, BulkReport& report);
  void finish(const Manifest& manifest, const std::string& polling_url, const std::vector<std::string>& keys, BulkReport& report);
  std::string now() const;

  BulkParts parts_;
  BulkSettings settings_;
};

}  // namespace fa::bulk

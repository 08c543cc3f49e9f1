#pragma once
// FileFetcher: downloads one export file (output, error or deleted NDJSON) over net::HttpClient.
//
// docs/fhir-servers.md, "Bulk Data export": the bearer token goes to file URLs only when the
// manifest says requiresAccessToken, and never to another origin: servers (Cerner) redirect
// file downloads to pre-signed storage URLs, and the Authorization header must not follow.
// Redirects (301, 302, 303, 307, 308) are followed here, a few hops at most. Transport errors,
// 429 and 5xx are retried with the server's Retry-After or a doubling backoff; a 401 renews the
// token once. 404 and 410 mean the file expired (HAPI deletes them 2 h after completion):
// FileGone, and the caller kicks off a new export.
//
// Files come whole from HttpClient::send (bounded by [fhir] max_response_mb); the body is
// handed to the caller, which stores it line by line in bounded batches.
// Thread-safety: one thread at a time.
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/auth.h"
#include "net/http_client.h"

namespace fa::bulk {

// The file is no longer on the server (404, 410): the export must be kicked off again.
class FileGone : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A download or export step that failed for good. Messages never hold a secret or PHI.
class BulkError : public std::runtime_error {
 public:
  BulkError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const { return status_; }  // HTTP status, 0 without one

 private:
  int status_;
};

struct FetchPolicy {
  int attempts = 5;
  std::chrono::milliseconds backoff{2000};
  std::chrono::milliseconds max_retry_after{600'000};
  int max_redirects = 5;
};

// Waits `delay`; false when the wait was cut short because the run must stop.
using Sleeper = std::function<bool(std::chrono::milliseconds)>;

class FileFetcher {
 public:
  FileFetcher(std::shared_ptr<net::HttpClient> http, std::shared_ptr<net::Authenticator> auth, FetchPolicy policy, Sleeper sleep,
              std::function<std::chrono::system_clock::time_point()> now);

  // The file's body. Throws FileGone, BulkError, or (stop requested while waiting) Interrupted.
  std::string fetch(const std::string& url, bool with_token);
  int requests() const { return requests_; }

  class Interrupted : public std::runtime_error {
   public:
    Interrupted() : std::runtime_error("stop requested") {}
  };

 private:
  // One request with redirects followed; the final response.
  net::HttpResponse follow(const std::string& url, bool with_token, bool& renewed);
  std::chrono::milliseconds delay(int attempt, const net::HttpResponse* response) const;

  std::shared_ptr<net::HttpClient> http_;
  std::shared_ptr<net::Authenticator> auth_;
  FetchPolicy policy_;
  Sleeper sleep_;
  std::function<std::chrono::system_clock::time_point()> now_;
  int requests_ = 0;
};

}  // namespace fa::bulk

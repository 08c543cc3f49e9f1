#pragma once
// FhirClient: FHIR REST on top of HttpClient: authentication, retries with backoff, paging.
//
// docs/fhir-servers.md: retry connection errors, 429, 502, 503, 504 with exponential backoff and jitter,
// honouring Retry-After (seconds or HTTP date), bounded; follow Bundle next links verbatim;
// report OperationOutcome errors clearly; on 401 renew the token once, then report. A GET follows
// 307 and 308 within its origin (redirects.h); other redirects and other origins are errors.
//
// Thread-safety: a FhirClient is used by one thread at a time (its jitter generator is not
// guarded); the HttpClient and Authenticator it holds may be shared between clients.
//
//   fa::net::HttpClientSettings http;                 // timeouts, limits, TLS from config
//   http.tls.ca_file = "/etc/fhir-adapter/hospital-ca.pem";
//   std::shared_ptr<fa::net::HttpClient> transport = fa::net::makeBeastHttpClient(http);
//   fa::net::SmartSettings smart{.fhir_base_url = base, .client_id = "fa", .private_key_file = key, .key_id = "k1"};
//   auto auth = fa::net::makeSmartBackendAuth(smart, transport);
//   fa::net::FhirClient fhir(base, transport, auth, fa::net::RetryPolicy{});
//   fa::net::HttpResponse page = fhir.get("Observation?code=http://loinc.org|1975-2&_count=100");
//   // ... then fhir.get(next_link) for each Bundle link[relation=next].url
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "net/auth.h"
#include "net/http_client.h"

namespace fa::net {

struct RetryPolicy {
  int max_attempts = 6;  // including the first
  std::chrono::milliseconds base_delay{500};
  std::chrono::milliseconds max_delay{30'000};
  std::chrono::milliseconds max_retry_after{120'000};  // a longer Retry-After is capped
};

// A FHIR interaction that failed for good (after retries), with the server's OperationOutcome
// text when it sent one. status 0 = transport failure.
class FhirError : public std::runtime_error {
 public:
  FhirError(int status, std::string reason, const std::string& what)
      : std::runtime_error(what), status_(status), reason_(std::move(reason)) {}
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }  // metrics label

 private:
  int status_;
  std::string reason_;
};

// Counters the client reports into (metrics); all optional.
struct FhirClientObserver {
  std::function<void(const std::string& outcome)> on_request;  // "ok", "http_4xx", "timeout", ...
  std::function<void(const std::string& reason)> on_retry;     // "429", "503", "reset", ...
};

// Time and sleep are injected so tests run without real waiting.
struct Clock {
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
};

class FhirClient {
 public:
  FhirClient(std::string base_url, std::shared_ptr<HttpClient> http, std::shared_ptr<Authenticator> auth, RetryPolicy retry,
             FhirClientObserver observer = {}, Clock clock = {});

  // GET of a URL relative to the base ("Observation?code=...") or absolute (a next link).
  // Returns the response (2xx, 404, 410); throws FhirError otherwise.
  HttpResponse get(const std::string& relative_or_absolute);
  HttpResponse send(HttpRequest request);  // any method; same retry/auth rules
  const std::string& base_url() const { return base_url_; }

 private:
  static constexpr int kMaxRedirects = 5;
  std::string absolute(const std::string& url) const;
  HttpResponse exchange(HttpRequest& request, bool redirects);
  std::string redirectTarget(const HttpRequest& request, const HttpResponse& response, int hop) const;
  std::chrono::milliseconds backoff(int attempt, const HttpResponse* response);

  std::string base_url_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<Authenticator> auth_;
  RetryPolicy retry_;
  FhirClientObserver observer_;
  Clock clock_;
  std::mt19937_64 random_;
};

// Retry-After: delta seconds or an HTTP date (RFC 9110), relative to `now`.
std::optional<std::chrono::milliseconds> parseRetryAfter(const std::string& value, std::chrono::system_clock::time_point now);

}  // namespace fa::net

#include "bulk/file_fetcher.h"

#include <algorithm>

#include "net/fhir_client.h"
#include "net/redirects.h"

namespace fa::bulk {
namespace {

bool isRetryable(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// The URL without its query (pre-signed URLs carry their signature there): for messages.
std::string withoutQuery(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

}  // namespace

FileFetcher::FileFetcher(std::shared_ptr<net::HttpClient> http, std::shared_ptr<net::Authenticator> auth, FetchPolicy policy,
                         Sleeper sleep, std::function<std::chrono::system_clock::time_point()> now)
    : http_(std::move(http)),
      auth_(auth ? std::move(auth) : net::makeNoAuth()),
      policy_(policy),
      sleep_(std::move(sleep)),
      now_(std::move(now)) {
  policy_.attempts = std::max(policy_.attempts, 1);
}

std::chrono::milliseconds FileFetcher::delay(int attempt, const net::HttpResponse* response) const {
  if (response) {
    if (auto header = response->header("retry-after")) {
      if (auto d = net::parseRetryAfter(*header, now_())) return std::min(*d, policy_.max_retry_after);
    }
  }
  return policy_.backoff * (1LL << std::clamp(attempt - 1, 0, 10));
}

net::HttpResponse FileFetcher::follow(const std::string& url, bool with_token, bool& renewed) {
  const std::string token_origin = net::urlOrigin(url);
  std::string current = url;
  for (int hop = 0;; ++hop) {
    net::HttpRequest request;
    request.url = current;
    request.headers["accept"] = "application/fhir+ndjson";
    // Renewed between files: the authenticator refreshes a token near its expiry here.
    if (with_token && !token_origin.empty() && net::urlOrigin(current) == token_origin) {
      if (auto authorization = auth_->authorization()) request.headers["authorization"] = *authorization;
    }
    ++requests_;
    net::HttpResponse response = http_->send(request);
    if (response.status == 401 && request.headers.count("authorization") && !renewed) {
      renewed = true;
      auth_->invalidate();
      --hop;
      continue;
    }
    if (!net::isRedirectStatus(response.status)) return response;
    const auto location = response.header("location");
    const auto next = location ? net::resolveRedirect(current, *location) : std::nullopt;
    if (!next || hop >= policy_.max_redirects)
      throw BulkError(response.status,
                      "file " + withoutQuery(url) + ": redirect without a usable Location or too many redirects");
    current = *next;
  }
}

std::string FileFetcher::fetch(const std::string& url, bool with_token) {
  bool renewed = false;
  for (int attempt = 1;; ++attempt) {
    net::HttpResponse response;
    try {
      response = follow(url, with_token, renewed);
    } catch (const net::TransportError& e) {
      if (attempt >= policy_.attempts || e.reason() == "url")
        throw BulkError(0, "file " + withoutQuery(url) + ": " + e.reason() + " after " + std::to_string(attempt) + " attempt(s)");
      if (!sleep_(delay(attempt, nullptr))) throw Interrupted();
      continue;
    } catch (const net::AuthError& e) {
      throw BulkError(0, "file " + withoutQuery(url) + ": authentication failed: " + e.what());
    }
    if (response.status == 200) return std::move(response.body);
    if (response.status == 404 || response.status == 410)
      throw FileGone("file " + withoutQuery(url) + " answered " + std::to_string(response.status) + " (expired)");
    if (isRetryable(response.status) && attempt < policy_.attempts) {
      if (!sleep_(delay(attempt, &response))) throw Interrupted();
      continue;
    }
    throw BulkError(response.status, "file " + withoutQuery(url) + " answered HTTP " + std::to_string(response.status));
  }
}

}  // namespace fa::bulk

// FhirClient: retries, backoff, authentication and error reporting around HttpClient.
#include "net/fhir_client.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/http_date.h"
#include "common/json_depth.h"
#include "net/redirects.h"

namespace fa::net {
namespace {

constexpr std::string_view kFhirJson = "application/fhir+json";
// An OperationOutcome can list hundreds of issues; an error message keeps the first ones.
constexpr std::size_t kMaxIssueText = 2000;

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  }
  return true;
}

bool isAbsoluteUrl(std::string_view url) {
  return startsWithNoCase(url, "http://") || startsWithNoCase(url, "https://");
}

// The URL as it may appear in a message: without user:password@.
std::string redactUrl(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  const auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < authority_start) return url;
  return url.substr(0, authority_start) + url.substr(at + 1);
}

// Removes every occurrence of the credentials we sent, should a server echo them back.
std::string redactSecret(std::string text, const std::optional<std::string>& authorization) {
  if (!authorization) return text;
  std::vector<std::string> secrets{*authorization};
  const auto space = authorization->find(' ');
  if (space != std::string::npos && space + 1 < authorization->size()) secrets.push_back(authorization->substr(space + 1));
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to be told from ordinary text
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), "[redacted]");
    }
  }
  return text;
}

const char* stringMember(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
}

// Our own words for each FHIR issue type (R4 IssueType codes): the server's own text
// (details.text, diagnostics) is never kept, because servers put the resource they refused
// into it (a name, an MRN, a birth date were seen in one). Unknown codes are not echoed either.
std::string_view issueWords(std::string_view code) {
  static const std::pair<std::string_view, std::string_view> kWords[] = {
      {"invalid", "the request is invalid"},
      {"structure", "the content is not well-formed"},
      {"required", "a required element is missing"},
      {"value", "an element value is invalid"},
      {"invariant", "a validation rule failed"},
      {"security", "refused for security reasons"},
      {"login", "authentication is needed"},
      {"unknown", "the user is not known"},
      {"expired", "the session or token has expired"},
      {"forbidden", "not permitted"},
      {"suppressed", "information was suppressed"},
      {"processing", "the server could not process the request"},
      {"not-supported", "not supported by the server"},
      {"duplicate", "a duplicate"},
      {"multiple-matches", "more than one match"},
      {"not-found", "not found"},
      {"deleted", "deleted"},
      {"too-long", "the content is too long"},
      {"code-invalid", "a code is not valid"},
      {"extension", "an extension is not understood"},
      {"too-costly", "too costly for the server"},
      {"business-rule", "a business rule was broken"},
      {"conflict", "an edit conflict"},
      {"transient", "a transient problem on the server"},
      {"lock-error", "a resource is locked"},
      {"no-store", "the server's storage is unavailable"},
      {"exception", "an internal error of the server"},
      {"timeout", "the server timed out"},
      {"incomplete", "the result is incomplete"},
      {"throttled", "too many requests"},
      {"informational", "information only"},
  };
  for (const auto& [c, words] : kWords) {
    if (c == code) return words;
  }
  return {};
}

// "error invalid (the request is invalid); warning processing (...)" when the body is an
// OperationOutcome: each issue's severity and code (when they are FHIR's own codes) and our words.
std::optional<std::string> operationOutcomeText(const std::string& body) {
  rapidjson::Document doc;
  common::parseBounded(doc, body);
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const char* type = stringMember(doc, "resourceType");
  if (!type || std::string_view(type) != "OperationOutcome") return std::nullopt;
  std::string text;
  auto issues = std::as_const(doc).FindMember("issue");  // const: clang -Wambiguous-reversed-operator
  if (issues == doc.MemberEnd() || !issues->value.IsArray()) return std::string("OperationOutcome without issues");
  static const std::string_view kSeverities[] = {"fatal", "error", "warning", "information"};
  for (const auto& issue : issues->value.GetArray()) {
    if (!issue.IsObject()) continue;
    const char* severity = stringMember(issue, "severity");
    const char* code = stringMember(issue, "code");
    const std::string_view words = code ? issueWords(code) : std::string_view();
    std::string one;
    if (severity && std::find(std::begin(kSeverities), std::end(kSeverities), severity) != std::end(kSeverities)) one = severity;
    one += std::string(one.empty() ? "" : " ") + (words.empty() ? std::string("(unknown issue code)") : code);
    if (!words.empty()) one += " (" + std::string(words) + ")";
    text += (text.empty() ? "" : "; ") + one;
    if (text.size() > kMaxIssueText) {
      text.resize(kMaxIssueText);
      text += "...";
      break;
    }
  }
  return text;
}

std::string outcomeLabel(int status) {
  if (status >= 200 && status < 300) return "ok";
  return "http_" + std::to_string(status / 100) + "xx";
}

// A URL we cannot use, or a proxy asking for credentials: another attempt gives the same answer.
bool isFinalTransportError(const std::string& reason) {
  return reason == "url" || reason == "proxy_auth";
}

bool isRetryableStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  const auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::optional<std::chrono::milliseconds> parseRetryAfter(const std::string& raw, std::chrono::system_clock::time_point now) {
  const std::string value = trim(raw);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    // delay-seconds; absurdly long values saturate (the caller caps them anyway).
    constexpr std::size_t kMaxDigits = 9;
    if (value.size() > kMaxDigits) return std::chrono::milliseconds(std::chrono::seconds(999'999'999));
    return std::chrono::milliseconds(std::chrono::seconds(std::stoll(value)));
  }
  const auto at = common::parseHttpDate(value, now);
  if (!at) return std::nullopt;
  if (*at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
}

FhirClient::FhirClient(std::string base_url, std::shared_ptr<HttpClient> http, std::shared_ptr<Authenticator> auth,
                       RetryPolicy retry, FhirClientObserver observer, Clock clock)
    : base_url_(std::move(base_url)),
      http_(std::move(http)),
      auth_(auth ? std::move(auth) : makeNoAuth()),
      retry_(retry),
      observer_(std::move(observer)),
      clock_(std::move(clock)),
      random_(std::random_device{}()) {
  while (!base_url_.empty() && base_url_.back() == '/')
    base_url_.pop_back();
  if (!clock_.now) clock_.now = [] { return std::chrono::system_clock::now(); };
  if (!clock_.sleep) clock_.sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
  retry_.max_attempts = std::max(retry_.max_attempts, 1);
}

std::string FhirClient::absolute(const std::string& url) const {
  if (isAbsoluteUrl(url)) return url;  // a Bundle next link: followed verbatim
  std::string_view relative(url);
  while (!relative.empty() && relative.front() == '/')
    relative.remove_prefix(1);
  return base_url_ + "/" + std::string(relative);
}

std::chrono::milliseconds FhirClient::backoff(int attempt, const HttpResponse* response) {
  if (response) {
    if (auto header = response->header("retry-after")) {
      if (auto delay = parseRetryAfter(*header, clock_.now())) return std::min(*delay, retry_.max_retry_after);
    }
  }
  // Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in
  // [0, min(max_delay, base * 2^(attempt-1))], so that many clients do not retry in step.
  const int shift = std::clamp(attempt - 1, 0, 30);
  const auto base = std::max<std::int64_t>(retry_.base_delay.count(), 0);
  const std::int64_t cap =
      std::min<std::int64_t>(retry_.max_delay.count(), base > (INT64_MAX >> shift) ? INT64_MAX : base << shift);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(cap, 0));
  return std::chrono::milliseconds(pick(random_));
}

HttpResponse FhirClient::get(const std::string& relative_or_absolute) {
  HttpRequest request;
  request.method = "GET";
  request.url = relative_or_absolute;
  return send(std::move(request));
}

HttpResponse FhirClient::send(HttpRequest request) {
  request.url = absolute(request.url);
  if (!request.headers.count("accept")) request.headers["accept"] = std::string(kFhirJson);
  if (!request.body.empty() && !request.headers.count("content-type")) request.headers["content-type"] = std::string(kFhirJson);
  // Only reads follow redirects: a POST or DELETE that answers 3xx is reported as it is.
  const bool read = request.method == "GET";
  for (int hop = 0;; ++hop) {
    HttpResponse response = exchange(request, read);
    if (!read || !isRedirectStatus(response.status)) return response;
    request.url = redirectTarget(request, response, hop);
  }
}

// docs/fhir-servers.md, "Redirects": 307 and 308 within the origin of the URL that answered,
// at most kMaxRedirects hops. The Authorization header stays with the request, which never leaves
// that origin; a redirect to another origin is refused, naming only the origin (a query may hold
// a patient id).
std::string FhirClient::redirectTarget(const HttpRequest& request, const HttpResponse& response, int hop) const {
  const std::string what =
      "FHIR " + request.method + " " + redactUrl(request.url) + " answered HTTP " + std::to_string(response.status);
  const auto location = response.header("location");
  const auto target = location ? resolveRedirect(request.url, *location) : std::nullopt;
  if (!target) throw FhirError(response.status, "redirect", what + " without a usable Location");
  const std::string origin = urlOrigin(*target);
  const std::string to = " (redirect to " + (origin.empty() ? std::string("an unusable URL") : origin) + ")";
  if (!isFollowedRedirect(response.status))
    throw FhirError(response.status, "redirect", what + to + ": not followed, only 307 and 308 are");
  if (origin.empty() || origin != urlOrigin(request.url))
    throw FhirError(response.status, "redirect", what + to + ": not followed, it leaves the server's origin");
  if (hop >= kMaxRedirects)
    throw FhirError(response.status, "redirect", what + ": more than " + std::to_string(kMaxRedirects) + " redirects");
  return *target;
}

// One request with retries, authentication and error reporting. With `redirects`, a 3xx answer
// is returned to send(), which decides on it.
HttpResponse FhirClient::exchange(HttpRequest& request, bool redirects) {
  const std::string what = request.method + " " + redactUrl(request.url);
  auto report = [](const auto& callback, const std::string& label) {
    if (callback) callback(label);
  };

  bool renewed_after_401 = false;
  for (int attempt = 1;; ++attempt) {
    std::optional<std::string> authorization;
    HttpResponse response;
    try {
      authorization = auth_->authorization();
      if (authorization) {
        request.headers["authorization"] = *authorization;
      } else {
        request.headers.erase("authorization");
      }
      response = http_->send(request);
    } catch (const TransportError& error) {
      report(observer_.on_request, error.reason());
      if (attempt >= retry_.max_attempts || isFinalTransportError(error.reason())) {
        throw FhirError(0, error.reason(),
                        "FHIR " + what + " failed after " + std::to_string(attempt) +
                            " attempt(s): " + redactSecret(error.what(), authorization));
      }
      report(observer_.on_retry, error.reason());
      clock_.sleep(backoff(attempt, nullptr));
      continue;
    } catch (const AuthError& error) {
      report(observer_.on_request, "auth");
      throw FhirError(0, "auth", "FHIR " + what + ": authentication failed: " + error.what());
    }

    const int status = response.status;
    report(observer_.on_request, outcomeLabel(status));
    if ((status >= 200 && status < 300) || status == 404 || status == 410) return response;
    if (redirects && isRedirectStatus(status)) return response;

    if (status == 401 && !renewed_after_401) {
      // The token expired or was revoked early: renew it once, without spending an attempt.
      renewed_after_401 = true;
      auth_->invalidate();
      report(observer_.on_retry, "401");
      --attempt;
      continue;
    }
    if (isRetryableStatus(status) && attempt < retry_.max_attempts) {
      report(observer_.on_retry, std::to_string(status));
      clock_.sleep(backoff(attempt, &response));
      continue;
    }

    std::string message = "FHIR " + what + " failed: HTTP " + std::to_string(status);
    if (isRetryableStatus(status)) message += " after " + std::to_string(attempt) + " attempt(s)";
    if (auto outcome = operationOutcomeText(response.body)) message += ": " + *outcome;
    throw FhirError(status, "http_" + std::to_string(status), redactSecret(message, authorization));
  }
}

}  // namespace fa::net

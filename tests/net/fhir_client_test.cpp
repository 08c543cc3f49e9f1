// FhirClient over the real BeastHttpClient and an in-process server: retries, Retry-After,
// backoff, 401 renewal, OperationOutcome errors, URL building. Sleeps go through the injected
// Clock, so no test waits for real.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "net/fhir_client.h"
#include "net/test_https_server.h"

namespace fa::net {
namespace {

using namespace std::chrono_literals;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

// 2026-03-01T10:00:00Z (a Sunday)
const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'772'359'200)};

ServerReply reply(int status, std::string body = "{\"resourceType\":\"Bundle\"}", Headers headers = {}) {
  ServerReply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers["Content-Type"] = "application/fhir+json";
  return r;
}

struct Recorder {
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<std::string> outcomes;
  std::vector<std::string> retries;

  Clock clock() {
    Clock c;
    c.now = [] { return kNow; };
    c.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    return c;
  }
  FhirClientObserver observer() {
    FhirClientObserver o;
    o.on_request = [this](const std::string& label) { outcomes.push_back(label); };
    o.on_retry = [this](const std::string& label) { retries.push_back(label); };
    return o;
  }
};

std::shared_ptr<HttpClient> http() {
  HttpClientSettings settings;
  settings.connect_timeout = 2s;
  settings.read_timeout = 2s;
  settings.overall_timeout = 5s;
  return makeBeastHttpClient(settings);
}

RetryPolicy fastPolicy(int attempts = 6) {
  RetryPolicy policy;
  policy.max_attempts = attempts;
  policy.base_delay = 100ms;
  policy.max_delay = 1000ms;
  policy.max_retry_after = 10s;
  return policy;
}

// Answers from a script, one reply per request, the last one repeated.
struct Script {
  std::vector<ServerReply> replies;
  std::atomic<std::size_t> next{0};
  test::ServerHandler handler() {
    return [this](const ServerRequest&) {
      const std::size_t i = next.fetch_add(1);
      return replies.at(std::min(i, replies.size() - 1));
    };
  }
};

// A token that changes on every invalidate(); counts the renewals.
class CountingAuth : public Authenticator {
 public:
  std::optional<std::string> authorization() override { return "Bearer token-" + std::to_string(generation.load()); }
  void invalidate() override { ++generation; }
  std::atomic<int> generation{0};
};

TEST(FhirClient, GetBuildsUrlFromBaseAndSendsFhirHeaders) {
  TestServer server([](const ServerRequest&) { return reply(200); });
  Recorder rec;
  FhirClient client(server.url() + "/fhir/", http(), makeBasicAuth("alice", "pa:ss"), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation?code=http://loinc.org|1975-2&_count=100").status, 200);
  EXPECT_EQ(client.get("/Patient/1").status, 200);
  const auto seen = server.received();
  EXPECT_EQ(seen.at(0).target, "/fhir/Observation?code=http://loinc.org%7C1975-2&_count=100");
  EXPECT_EQ(seen.at(1).target, "/fhir/Patient/1");
  EXPECT_EQ(seen.at(0).header("accept"), "application/fhir+json");
  EXPECT_EQ(seen.at(0).header("authorization"), "Basic YWxpY2U6cGE6c3M=");  // alice:pa:ss
  EXPECT_EQ(rec.outcomes, (std::vector<std::string>{"ok", "ok"}));
  EXPECT_EQ(client.base_url(), server.url() + "/fhir");
}

TEST(FhirClient, AbsoluteNextLinkIsFollowedVerbatim) {
  TestServer server([](const ServerRequest&) { return reply(200); });
  Recorder rec;
  FhirClient client(server.url() + "/fhir", http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  client.get(server.url() + "/other-base?_getpages=abc-123&_getpagesoffset=100&_count=100&_bundletype=searchset");
  const auto seen = server.received().at(0);
  EXPECT_EQ(seen.target, "/other-base?_getpages=abc-123&_getpagesoffset=100&_count=100&_bundletype=searchset");
  EXPECT_FALSE(seen.header("authorization").has_value());
}

TEST(FhirClient, NotFoundAndGoneAreResponses) {
  Script script{{reply(404), reply(410)}};
  TestServer server(script.handler());
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation/1").status, 404);
  EXPECT_EQ(client.get("Observation/2").status, 410);
  EXPECT_EQ(rec.outcomes, (std::vector<std::string>{"http_4xx", "http_4xx"}));
  EXPECT_TRUE(rec.retries.empty());
}

TEST(FhirClient, RetriesTooManyRequestsHonouringRetryAfterSeconds) {
  Script script{{reply(429, "", {{"Retry-After", "1"}}), reply(200)}};
  TestServer server(script.handler());
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation").status, 200);
  EXPECT_EQ(rec.sleeps, (std::vector<std::chrono::milliseconds>{1000ms}));
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"429"}));
  EXPECT_EQ(rec.outcomes, (std::vector<std::string>{"http_4xx", "ok"}));
  EXPECT_EQ(server.requests(), 2);
}

TEST(FhirClient, RetriesHonouringRetryAfterHttpDate) {
  Script script{{reply(429, "", {{"Retry-After", "Sun, 01 Mar 2026 10:00:07 GMT"}}),
                 reply(503, "", {{"Retry-After", "Sun, 01 Mar 2026 09:00:00 GMT"}}), reply(200)}};
  TestServer server(script.handler());
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation").status, 200);
  // 7 s ahead of the injected now; a date in the past means "now".
  EXPECT_EQ(rec.sleeps, (std::vector<std::chrono::milliseconds>{7000ms, 0ms}));
}

TEST(FhirClient, RetryAfterIsCappedByPolicy) {
  Script script{{reply(503, "", {{"Retry-After", "86400"}}), reply(200)}};
  TestServer server(script.handler());
  Recorder rec;
  auto policy = fastPolicy();
  policy.max_retry_after = 5s;
  FhirClient client(server.url(), http(), makeNoAuth(), policy, rec.observer(), rec.clock());
  client.get("Observation");
  EXPECT_EQ(rec.sleeps, (std::vector<std::chrono::milliseconds>{5000ms}));
}

TEST(FhirClient, ServiceUnavailableWithoutRetryAfterBacksOffWithinGrowingBounds) {
  Script script{{reply(503), reply(502), reply(504), reply(503), reply(200)}};
  TestServer server(script.handler());
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation").status, 200);
  ASSERT_EQ(rec.sleeps.size(), 4u);
  const std::vector<std::chrono::milliseconds> caps{100ms, 200ms, 400ms, 800ms};
  for (std::size_t i = 0; i < caps.size(); ++i) {
    EXPECT_GE(rec.sleeps[i], 0ms);
    EXPECT_LE(rec.sleeps[i], caps[i]) << "attempt " << i + 1;
  }
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"503", "502", "504", "503"}));
}

// Full jitter draws each delay uniformly below a cap that doubles per attempt up to max_delay:
// over many runs the mean delay grows, and no delay exceeds its cap. A fake transport keeps the
// 400 runs fast; the real one is covered above.
class AlwaysUnavailable : public HttpClient {
 public:
  HttpResponse send(const HttpRequest&) override {
    HttpResponse response;
    response.status = 503;
    return response;
  }
};

TEST(FhirClient, FullJitterDelaysGrowOnAverageAndStayBounded) {
  constexpr int kRuns = 400;
  auto policy = fastPolicy(7);  // six sleeps: caps 100, 200, 400, 800, 1000, 1000 ms
  std::vector<double> sums(6, 0.0);
  for (int run = 0; run < kRuns; ++run) {
    Recorder rec;
    FhirClient client("http://fhir.test", std::make_shared<AlwaysUnavailable>(), makeNoAuth(), policy, {}, rec.clock());
    EXPECT_THROW(client.get("Observation"), FhirError);
    ASSERT_EQ(rec.sleeps.size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) {
      ASSERT_LE(rec.sleeps[i], policy.max_delay);
      sums[i] += static_cast<double>(rec.sleeps[i].count());
    }
  }
  const std::vector<double> caps{100, 200, 400, 800, 1000, 1000};
  for (std::size_t i = 0; i < 6; ++i) {
    const double mean = sums[i] / kRuns;
    EXPECT_NEAR(mean, caps[i] / 2, caps[i] * 0.15) << "attempt " << i + 1;  // uniform in [0, cap]
  }
  EXPECT_LT(sums[0], sums[1]);
  EXPECT_LT(sums[1], sums[2]);
  EXPECT_LT(sums[2], sums[3]);
}

TEST(FhirClient, GivesUpAfterMaxAttemptsWithOperationOutcomeText) {
  const std::string outcome = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient",
    "diagnostics":"Database is in maintenance mode"}]})";
  TestServer server([&](const ServerRequest&) { return reply(503, outcome); });
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(3), rec.observer(), rec.clock());
  try {
    client.get("Observation");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    EXPECT_EQ(error.status(), 503);
    EXPECT_EQ(error.reason(), "http_503");
    const std::string what = error.what();
    EXPECT_NE(what.find("after 3 attempt(s)"), std::string::npos) << what;
    // The issue's severity and code in our words; the server's own text is left out.
    EXPECT_NE(what.find("error transient (a transient problem on the server)"), std::string::npos) << what;
    EXPECT_EQ(what.find("maintenance"), std::string::npos) << what;
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(rec.sleeps.size(), 2u);
}

TEST(FhirClient, RetriesConnectionReset) {
  Script script{{ServerReply{0, {}, "", ServerReply::Action::reset, true}, reply(200)}};
  TestServer server(script.handler());
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation").status, 200);
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"reset"}));
  EXPECT_EQ(rec.outcomes, (std::vector<std::string>{"reset", "ok"}));
  EXPECT_EQ(rec.sleeps.size(), 1u);
}

TEST(FhirClient, TransportFailureBecomesFhirErrorWithStatusZero) {
  unsigned short port = 0;
  {
    TestServer closed([](const ServerRequest&) { return reply(200); });
    port = closed.port();
  }
  Recorder rec;
  FhirClient client("http://127.0.0.1:" + std::to_string(port) + "/fhir", http(), makeNoAuth(), fastPolicy(2), rec.observer(),
                    rec.clock());
  try {
    client.get("Observation");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    EXPECT_EQ(error.status(), 0);
    EXPECT_EQ(error.reason(), "connect");
  }
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"connect"}));
}

TEST(FhirClient, UnauthorizedRenewsCredentialsOnceAndRetries) {
  TestServer server(
      [](const ServerRequest& request) { return request.header("authorization") == "Bearer token-0" ? reply(401) : reply(200); });
  auto auth = std::make_shared<CountingAuth>();
  Recorder rec;
  FhirClient client(server.url(), http(), auth, fastPolicy(1), rec.observer(), rec.clock());
  EXPECT_EQ(client.get("Observation").status, 200);  // even with max_attempts = 1
  EXPECT_EQ(auth->generation, 1);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(rec.retries, (std::vector<std::string>{"401"}));
  EXPECT_TRUE(rec.sleeps.empty());
}

TEST(FhirClient, SecondUnauthorizedIsReported) {
  TestServer server([](const ServerRequest&) {
    return reply(
        401,
        R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login","details":{"text":"Token expired"}}]})");
  });
  auto auth = std::make_shared<CountingAuth>();
  Recorder rec;
  FhirClient client(server.url(), http(), auth, fastPolicy(), rec.observer(), rec.clock());
  try {
    client.get("Observation");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    EXPECT_EQ(error.status(), 401);
    // The server's own text never reaches the message (it may quote a patient): status and the
    // issue's severity and code only (docs/fhir-servers.md "Hostile input").
    EXPECT_EQ(std::string(error.what()).find("Token expired"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("HTTP 401: error login"), std::string::npos) << error.what();
  }
  EXPECT_EQ(auth->generation, 1);
  EXPECT_EQ(server.requests(), 2);
}

// A server that puts the refused resource into its error text (a name, an MRN, a birth date),
// and an issue code of its own making: none of it reaches the error message.
TEST(FhirClient, OperationOutcomeTextIsReducedToStatusCodeAndOurWords) {
  TestServer server([](const ServerRequest&) {
    return reply(422, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",
      "details":{"text":"Patient Zebediah Quantrill (MRN 99887766, born 1961-07-04) failed validation"},
      "diagnostics":"Zebediah Quantrill"},{"severity":"Zebediah","code":"Quantrill-99887766"}]})");
  });
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  try {
    client.get("Observation?patient=Patient/p1");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    const std::string what = error.what();
    EXPECT_EQ(what, "FHIR GET " + server.url() +
                        "/Observation?patient=Patient/p1 failed: HTTP 422: error processing (the "
                        "server could not process the request); (unknown issue code)");
    for (const char* phi : {"Zebediah", "Quantrill", "99887766", "1961"})
      EXPECT_EQ(what.find(phi), std::string::npos) << what;
  }
}

TEST(FhirClient, OperationOutcomeTextSurfacesWithoutSecrets) {
  // A careless server echoes the Authorization header into its diagnostics.
  TestServer server([](const ServerRequest& request) {
    const std::string echoed = request.header("authorization").value_or("");
    return reply(400, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid",
      "details":{"text":"Unknown search parameter 'colour'"},"diagnostics":"request had )" +
                          echoed + R"("},
      {"severity":"warning","code":"processing","diagnostics":"second issue"}]})");
  });
  Recorder rec;
  FhirClient client(server.url() + "/fhir", http(), makeBearerAuth("s3cr3t-t0ken-value"), fastPolicy(), rec.observer(),
                    rec.clock());
  try {
    client.get("Observation?colour=red");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    const std::string what = error.what();
    EXPECT_EQ(error.status(), 400);
    EXPECT_NE(what.find("HTTP 400"), std::string::npos) << what;
    EXPECT_NE(what.find("GET " + server.url() + "/fhir/Observation?colour=red"), std::string::npos) << what;
    EXPECT_NE(what.find("error invalid (the request is invalid); warning processing (the server could not process the "
                        "request)"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find("Unknown search parameter"), std::string::npos) << what;
    EXPECT_EQ(what.find("second issue"), std::string::npos) << what;
    EXPECT_EQ(what.find("s3cr3t-t0ken-value"), std::string::npos) << what;
  }
  EXPECT_TRUE(rec.retries.empty());
}

TEST(FhirClient, ServerErrorWithoutOperationOutcomeIsNotRetried) {
  TestServer server([](const ServerRequest&) { return reply(500, "<html>oops</html>"); });
  Recorder rec;
  FhirClient client(server.url(), http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  EXPECT_THROW(client.get("Observation"), FhirError);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(rec.outcomes, (std::vector<std::string>{"http_5xx"}));
}

TEST(FhirClient, BadUrlIsNotRetried) {
  Recorder rec;
  FhirClient client("ftp://fhir.test", http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  try {
    client.get("Observation");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    EXPECT_EQ(error.reason(), "url");
  }
  EXPECT_TRUE(rec.retries.empty());
}

TEST(FhirClient, SendPostsWithFhirContentType) {
  TestServer server([](const ServerRequest& request) { return reply(201, request.body); });
  Recorder rec;
  FhirClient client(server.url() + "/fhir", http(), makeNoAuth(), fastPolicy(), rec.observer(), rec.clock());
  HttpRequest request;
  request.method = "POST";
  request.url = "Observation/_search";
  request.body = "{}";
  EXPECT_EQ(client.send(request).status, 201);
  const auto seen = server.received().at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/fhir/Observation/_search");
  EXPECT_EQ(seen.header("content-type"), "application/fhir+json");
}

// ---- parseRetryAfter ---------------------------------------------------------------------------

TEST(ParseRetryAfter, DelaySeconds) {
  EXPECT_EQ(parseRetryAfter("120", kNow), 120'000ms);
  EXPECT_EQ(parseRetryAfter(" 5 ", kNow), 5'000ms);
  EXPECT_EQ(parseRetryAfter("0", kNow), 0ms);
  EXPECT_TRUE(parseRetryAfter("99999999999999999999", kNow).has_value());  // saturates, no overflow
}

TEST(ParseRetryAfter, HttpDateForms) {
  EXPECT_EQ(parseRetryAfter("Sun, 01 Mar 2026 10:01:00 GMT", kNow), 60'000ms);   // IMF-fixdate
  EXPECT_EQ(parseRetryAfter("Sunday, 01-Mar-26 10:00:30 GMT", kNow), 30'000ms);  // RFC 850
  EXPECT_EQ(parseRetryAfter("Sun Mar  1 10:00:10 2026", kNow), 10'000ms);        // asctime
  EXPECT_EQ(parseRetryAfter("Sat, 28 Feb 2026 23:59:59 GMT", kNow), 0ms);        // past: now
  EXPECT_EQ(parseRetryAfter("Thu, 31 Dec 2026 23:59:59 GMT", kNow),
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::seconds(305 * 86400 + 13 * 3600 + 59 * 60 + 59)));
}

TEST(ParseRetryAfter, RejectsGarbage) {
  EXPECT_FALSE(parseRetryAfter("", kNow));
  EXPECT_FALSE(parseRetryAfter("-1", kNow));
  EXPECT_FALSE(parseRetryAfter("1.5", kNow));
  EXPECT_FALSE(parseRetryAfter("soon", kNow));
  EXPECT_FALSE(parseRetryAfter("Sun, 01 Mar 2026 10:01:00", kNow));      // no GMT
  EXPECT_FALSE(parseRetryAfter("Sun, 01 Foo 2026 10:01:00 GMT", kNow));  // no such month
  EXPECT_FALSE(parseRetryAfter("Sun, 01 Mar 2026 25:01:00 GMT", kNow));
  EXPECT_FALSE(parseRetryAfter("Sun, 01 Mar 2026 10:01:00 GMT trailing", kNow));
}

}  // namespace
}  // namespace fa::net

// FhirClient redirects (net/redirects.h) against real in-process servers: a GET follows 307 and
// 308 within its origin, with its Authorization; another origin, 301/302/303, a non-GET and a
// sixth hop are errors that name the status and the target origin, never its path or query.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "net/fhir_client.h"
#include "net/redirects.h"
#include "net/test_https_server.h"

namespace fa::net {
namespace {

using namespace std::chrono_literals;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

ServerReply redirect(int status, const std::string& location) {
  ServerReply reply;
  reply.status = status;
  reply.headers["Location"] = location;
  return reply;
}

ServerReply ok(const ServerRequest& request) {
  ServerReply reply;
  reply.headers["Content-Type"] = "application/fhir+json";
  reply.body = "{\"resourceType\":\"Bundle\",\"at\":\"" + request.target + "\"}";
  return reply;
}

FhirClient client(const std::string& base) {
  HttpClientSettings settings;
  settings.connect_timeout = 2s;
  settings.read_timeout = 2s;
  settings.overall_timeout = 5s;
  Clock clock;
  clock.sleep = [](std::chrono::milliseconds) {};
  return FhirClient(base, makeBeastHttpClient(settings), makeBearerAuth("tok-abc"), RetryPolicy{}, {}, clock);
}

// Expects FhirError; returns it as status and message.
template <class F>
std::pair<int, std::string> fhirError(F&& call) {
  try {
    call();
  } catch (const FhirError& e) {
    EXPECT_EQ(e.reason(), "redirect") << e.what();
    return {e.status(), e.what()};
  }
  ADD_FAILURE() << "expected FhirError";
  return {};
}

TEST(RedirectUrls, OriginsAndResolution) {
  EXPECT_EQ(urlOrigin("HTTPS://Fhir.Example.org/r4/Observation?x=1"), "https://fhir.example.org:443");
  EXPECT_EQ(urlOrigin("http://u:p@fhir.example.org:8080/r4"), "http://fhir.example.org:8080");
  EXPECT_EQ(urlOrigin("ftp://fhir.example.org/"), "");
  EXPECT_EQ(urlOrigin("/relative"), "");
  EXPECT_EQ(resolveRedirect("https://h/r4/Observation?code=a|b", "/r4b/Observation?code=a%7Cb").value(),
            "https://h/r4b/Observation?code=a%7Cb");
  EXPECT_EQ(resolveRedirect("https://h/r4/Observation?x", "Patient/1").value(), "https://h/r4/Patient/1");
  EXPECT_EQ(resolveRedirect("https://h/r4/a", "https://other/b#frag").value(), "https://other/b");
}

TEST(FhirRedirects, SameOrigin307And308AreFollowedWithAuthorization) {
  std::vector<std::string> targets;
  std::vector<std::string> authorizations;
  TestServer server([&](const ServerRequest& request) {
    targets.push_back(request.target);
    authorizations.push_back(request.header("authorization").value_or(""));
    if (request.target == "/fhir/Observation?code=x") return redirect(307, "/fhir-new/Observation?code=x");
    if (request.target == "/fhir-new/Observation?code=x") return redirect(308, "Observation?code=x&moved=1");
    return ok(request);
  });
  FhirClient fhir = client(server.url() + "/fhir");
  const HttpResponse response = fhir.get("Observation?code=x");
  EXPECT_EQ(response.status, 200);
  // "Observation?code=x&moved=1" is relative to /fhir-new/Observation (RFC 3986 5.2.3: the last
  // path segment replaced).
  EXPECT_EQ(targets, (std::vector<std::string>{"/fhir/Observation?code=x", "/fhir-new/Observation?code=x",
                                               "/fhir-new/Observation?code=x&moved=1"}));
  EXPECT_EQ(authorizations, (std::vector<std::string>(3, "Bearer tok-abc")));
}

TEST(FhirRedirects, AnotherOriginIsRefusedNamingOnlyTheOrigin) {
  std::atomic<int> elsewhere{0};
  TestServer other([&](const ServerRequest& request) {
    ++elsewhere;
    return ok(request);
  });
  const std::string target = other.url() + "/fhir/Observation?subject=Patient/p-42";
  TestServer server([&](const ServerRequest&) { return redirect(307, target); });
  FhirClient fhir = client(server.url() + "/fhir");
  const auto [status, message] = fhirError([&] { fhir.get("Observation?code=x"); });
  EXPECT_EQ(status, 307);
  EXPECT_NE(message.find("HTTP 307 (redirect to " + other.url() + "): not followed, it leaves the server's origin"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("p-42"), std::string::npos);  // the target's query is not repeated
  EXPECT_EQ(elsewhere.load(), 0);                      // and nothing, least the token, went there
}

TEST(FhirRedirects, OtherRedirectStatusesAreReported) {
  for (const int code : {301, 302, 303}) {
    TestServer server([&](const ServerRequest&) { return redirect(code, "/login?next=/fhir"); });
    FhirClient fhir = client(server.url() + "/fhir");
    const auto [status, message] = fhirError([&] { fhir.get("metadata"); });
    EXPECT_EQ(status, code);
    EXPECT_NE(message.find("not followed, only 307 and 308 are"), std::string::npos) << message;
    EXPECT_EQ(server.requests(), 1);
  }
}

TEST(FhirRedirects, OnlyGetFollows) {
  TestServer server([&](const ServerRequest& request) {
    if (request.method == "POST") return redirect(307, "/fhir/elsewhere");
    return ok(request);
  });
  FhirClient fhir = client(server.url() + "/fhir");
  HttpRequest post;
  post.method = "POST";
  post.url = "Subscription";
  post.body = "{}";
  try {
    fhir.send(post);
    ADD_FAILURE() << "expected FhirError";
  } catch (const FhirError& e) {
    EXPECT_EQ(e.status(), 307);
    EXPECT_EQ(e.reason(), "http_307");  // as before redirects were followed: reported as it is
  }
  EXPECT_EQ(server.requests(), 1);
}

TEST(FhirRedirects, AtMostFiveHops) {
  std::atomic<int> hops{0};
  TestServer server([&](const ServerRequest&) { return redirect(307, "/fhir/loop" + std::to_string(++hops)); });
  FhirClient fhir = client(server.url() + "/fhir");
  const auto [status, message] = fhirError([&] { fhir.get("metadata"); });
  EXPECT_EQ(status, 307);
  EXPECT_NE(message.find("more than 5 redirects"), std::string::npos) << message;
  EXPECT_EQ(server.requests(), 6);  // the first request and five followed redirects, then the error
}

TEST(FhirRedirects, WithoutLocationIsAnError) {
  TestServer server([&](const ServerRequest&) {
    ServerReply reply;
    reply.status = 308;
    return reply;
  });
  FhirClient fhir = client(server.url() + "/fhir");
  EXPECT_NE(fhirError([&] { fhir.get("metadata"); }).second.find("without a usable Location"), std::string::npos);
}

}  // namespace
}  // namespace fa::net

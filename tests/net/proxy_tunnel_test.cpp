// BeastHttpClient through a real CONNECT proxy on loopback (test_connect_proxy.h) to a real
// in-process HTTPS server: the tunnel carries TLS end to end, credentials go to the proxy only,
// and proxy failures are named clearly.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "net/fhir_client.h"
#include "net/http_client.h"
#include "net/test_certs.h"
#include "net/test_connect_proxy.h"
#include "net/test_https_server.h"

namespace fa::net {
namespace {

using namespace std::chrono_literals;
using test::ConnectProxy;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

// base64("alice:open sesame"), worked out in proxy_test.cpp (ConnectRequest).
const std::string kAliceBasic = "Basic YWxpY2U6b3BlbiBzZXNhbWU=";

ServerReply bundle(const ServerRequest& request) {
  ServerReply reply;
  reply.headers["Content-Type"] = "application/fhir+json";
  reply.body = R"({"resourceType":"Bundle","type":"searchset","target":")" + request.target + "\"}";
  return reply;
}

test::ServerTlsOptions serverTls() {
  test::ServerTlsOptions options;
  options.cert_file = test::testPki().server_cert;
  options.key_file = test::testPki().server_key;
  return options;
}

HttpClientSettings through(const ConnectProxy& proxy, const std::string& credentials = "") {
  HttpClientSettings settings;
  settings.connect_timeout = 2s;
  settings.read_timeout = 2s;
  settings.overall_timeout = 5s;
  settings.tls.ca_file = test::testPki().ca_cert;
  ProxyServer server{"127.0.0.1", std::to_string(proxy.port()), ""};
  settings.proxy.for_https = server;
  settings.proxy.for_http = server;
  settings.proxy.credentials = credentials;
  return settings;
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.headers["authorization"] = "Bearer server-token-123";
  return request;
}

template <class F>
std::string transportError(F&& call, const std::string& reason) {
  try {
    call();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.reason(), reason) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected TransportError(" << reason << ")";
  return {};
}

TEST(ProxyTunnel, HttpsSearchGoesThroughTheTunnelAsTls) {
  TestServer server(bundle, serverTls());
  ConnectProxy proxy;
  auto client = makeBeastHttpClient(through(proxy));
  const std::string url = server.url("localhost") + "/fhir/Observation?code=http://loinc.org|1975-2&subject=Patient/p-17";
  EXPECT_EQ(client->send(get(url)).status, 200);
  EXPECT_EQ(client->send(get(url)).status, 200);  // the second on the same tunnel (keep-alive)

  const test::ProxyRecord seen = proxy.record();
  ASSERT_EQ(seen.connect_lines, std::vector<std::string>{"CONNECT localhost:" + std::to_string(server.port()) + " HTTP/1.1"});
  EXPECT_EQ(seen.authorizations.at(0), std::nullopt);
  ASSERT_EQ(seen.client_bytes.size(), 1u);
  const std::string& bytes = seen.client_bytes[0];
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x16);  // a TLS handshake record (ClientHello)
  // The proxy never saw the request in the clear: not its line, its query, nor the server's token.
  EXPECT_EQ(bytes.find("GET "), std::string::npos);
  EXPECT_EQ(bytes.find("Observation"), std::string::npos);
  EXPECT_EQ(bytes.find("Patient/p-17"), std::string::npos);
  EXPECT_EQ(bytes.find("server-token-123"), std::string::npos);
  EXPECT_EQ(server.connections(), 1);
}

TEST(ProxyTunnel, CredentialsGoToTheProxyOnly) {
  std::optional<std::string> server_saw;
  TestServer server(
      [&](const ServerRequest& request) {
        server_saw = request.header("proxy-authorization");
        return bundle(request);
      },
      serverTls());
  ConnectProxy proxy(test::ProxyOptions{kAliceBasic, 0});
  auto client = makeBeastHttpClient(through(proxy, "alice:open sesame"));
  EXPECT_EQ(client->send(get(server.url("localhost") + "/fhir/metadata")).status, 200);
  EXPECT_EQ(proxy.record().authorizations.at(0), kAliceBasic);
  EXPECT_EQ(server_saw, std::nullopt);
}

TEST(ProxyTunnel, ProxyAskingForCredentialsIs407ProxyAuth) {
  TestServer server(bundle, serverTls());
  ConnectProxy proxy(test::ProxyOptions{kAliceBasic, 0});
  const std::string where = "proxy 127.0.0.1:" + std::to_string(proxy.port());
  auto bare = makeBeastHttpClient(through(proxy));
  const std::string none = transportError([&] { bare->send(get(server.url("localhost") + "/fhir/metadata")); }, "proxy_auth");
  EXPECT_NE(none.find(where + " asks for credentials (HTTP 407): set [fhir] proxy_credentials_file"), std::string::npos) << none;

  auto wrong = makeBeastHttpClient(through(proxy, "alice:wrong"));
  const std::string refused = transportError([&] { wrong->send(get(server.url("localhost") + "/fhir/metadata")); }, "proxy_auth");
  EXPECT_NE(refused.find("refused those of proxy_credentials_file"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("wrong"), std::string::npos);  // never the password
  EXPECT_EQ(server.requests(), 0);
}

TEST(ProxyTunnel, RefusedTunnelNamesTheStatus) {
  TestServer server(bundle, serverTls());
  ConnectProxy proxy(test::ProxyOptions{"", 403});
  auto client = makeBeastHttpClient(through(proxy));
  const std::string message = transportError([&] { client->send(get(server.url("localhost") + "/fhir/metadata")); }, "proxy");
  EXPECT_NE(message.find("refused the tunnel to localhost:" + std::to_string(server.port()) + ": HTTP 403"), std::string::npos)
      << message;
}

TEST(ProxyTunnel, ProxyDownNamesTheProxy) {
  unsigned short closed_port = 0;
  {
    ConnectProxy gone;
    closed_port = gone.port();
  }
  HttpClientSettings settings;
  settings.connect_timeout = 2s;
  settings.proxy.for_https = ProxyServer{"127.0.0.1", std::to_string(closed_port), ""};
  auto client = makeBeastHttpClient(settings);
  const std::string message = transportError([&] { client->send(get("https://fhir.example.invalid/fhir/metadata")); }, "connect");
  EXPECT_NE(message.find("cannot connect to proxy 127.0.0.1:" + std::to_string(closed_port)), std::string::npos) << message;
}

TEST(ProxyTunnel, NoProxyGoesDirect) {
  TestServer server(bundle, serverTls());
  ConnectProxy proxy;
  HttpClientSettings settings = through(proxy);
  settings.proxy.no_proxy = parseNoProxy("localhost");
  auto client = makeBeastHttpClient(settings);
  EXPECT_EQ(client->send(get(server.url("localhost") + "/fhir/metadata")).status, 200);
  EXPECT_TRUE(proxy.record().connect_lines.empty());
}

TEST(ProxyTunnel, PlainHttpTargetAlsoUsesConnect) {
  TestServer server(bundle);
  ConnectProxy proxy;
  auto client = makeBeastHttpClient(through(proxy));
  EXPECT_EQ(client->send(get(server.url() + "/fhir/metadata")).status, 200);
  const test::ProxyRecord seen = proxy.record();
  ASSERT_EQ(seen.connect_lines, std::vector<std::string>{"CONNECT 127.0.0.1:" + std::to_string(server.port()) + " HTTP/1.1"});
  // Plain HTTP in the tunnel: the request line is origin-form, as without a proxy.
  EXPECT_EQ(seen.client_bytes.at(0).rfind("GET /fhir/metadata HTTP/1.1\r\n", 0), 0u);
}

TEST(ProxyTunnel, FhirClientDoesNotRetryA407) {
  TestServer server(bundle, serverTls());
  ConnectProxy proxy(test::ProxyOptions{kAliceBasic, 0});
  std::vector<std::chrono::milliseconds> sleeps;
  Clock clock;
  clock.sleep = [&](std::chrono::milliseconds d) { sleeps.push_back(d); };
  FhirClient fhir(server.url("localhost") + "/fhir", makeBeastHttpClient(through(proxy)), nullptr, RetryPolicy{}, {}, clock);
  try {
    fhir.get("metadata");
    ADD_FAILURE() << "expected FhirError";
  } catch (const FhirError& e) {
    EXPECT_EQ(e.reason(), "proxy_auth");
    EXPECT_NE(std::string(e.what()).find("after 1 attempt(s)"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(proxy.record().connect_lines.size(), 1u);
}

}  // namespace
}  // namespace fa::net

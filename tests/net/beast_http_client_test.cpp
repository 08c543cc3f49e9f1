// BeastHttpClient against a real in-process Beast server: plain HTTP, TLS verification, mTLS,
// keep-alive reuse, timeouts and limits.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "net/http_client.h"
#include "net/test_certs.h"
#include "net/test_https_server.h"

namespace fa::net {
namespace {

using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

ServerReply ok(std::string body = "hello") {
  ServerReply reply;
  reply.headers["Content-Type"] = "text/plain";
  reply.body = std::move(body);
  return reply;
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

// Expects `call` to throw TransportError with `reason`; returns the message.
template <class F>
std::string expectTransportError(F&& call, const std::string& reason) {
  try {
    call();
  } catch (const TransportError& error) {
    EXPECT_EQ(error.reason(), reason) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected TransportError(" << reason << ")";
  return {};
}

HttpClientSettings quickSettings() {
  HttpClientSettings settings;
  settings.connect_timeout = std::chrono::milliseconds(2000);
  settings.read_timeout = std::chrono::milliseconds(2000);
  settings.overall_timeout = std::chrono::milliseconds(5000);
  return settings;
}

HttpClientSettings tlsSettings() {
  auto settings = quickSettings();
  settings.tls.ca_file = test::testPki().ca_cert;
  return settings;
}

test::ServerTlsOptions serverTls() {
  const auto& pki = test::testPki();
  test::ServerTlsOptions options;
  options.cert_file = pki.server_cert;
  options.key_file = pki.server_key;
  return options;
}

// ---- plain HTTP -----------------------------------------------------------------------------

TEST(BeastHttpClient, GetReturnsStatusHeadersAndBody) {
  TestServer server([](const ServerRequest& request) {
    auto reply = ok("path=" + request.target);
    reply.status = 201;
    reply.headers["X-Custom"] = "yes";
    return reply;
  });
  auto client = makeBeastHttpClient(quickSettings());
  const auto response = client->send(get(server.url() + "/fhir/Observation?code=a%7Cb&_count=2"));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "path=/fhir/Observation?code=a%7Cb&_count=2");
  EXPECT_EQ(response.header("x-custom"), "yes");
  EXPECT_EQ(response.header("content-type"), "text/plain");
  const auto seen = server.received().at(0);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen.header("user-agent"), "fhir-adapter/0.1");
}

TEST(BeastHttpClient, PostSendsBodyAndHeaders) {
  TestServer server([](const ServerRequest& request) { return ok(request.body); });
  auto client = makeBeastHttpClient(quickSettings());
  HttpRequest request;
  request.method = "POST";
  request.url = server.url() + "/token";
  request.headers["content-type"] = "application/x-www-form-urlencoded";
  request.body = "a=1&b=2";
  const auto response = client->send(request);
  EXPECT_EQ(response.body, "a=1&b=2");
  const auto seen = server.received().at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen.header("content-length"), "7");
}

TEST(BeastHttpClient, ErrorStatusIsAResponseNotAnException) {
  TestServer server([](const ServerRequest&) {
    auto reply = ok("{}");
    reply.status = 503;
    return reply;
  });
  auto client = makeBeastHttpClient(quickSettings());
  EXPECT_EQ(client->send(get(server.url() + "/")).status, 503);
}

TEST(BeastHttpClient, KeepAliveReusesOneConnection) {
  TestServer server([](const ServerRequest&) { return ok(); });
  auto client = makeBeastHttpClient(quickSettings());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(client->send(get(server.url() + "/a")).status, 200);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 1);
}

TEST(BeastHttpClient, ConnectionCloseFromServerOpensANewConnection) {
  TestServer server([](const ServerRequest&) {
    auto reply = ok();
    reply.keep_alive = false;
    return reply;
  });
  auto client = makeBeastHttpClient(quickSettings());
  client->send(get(server.url() + "/a"));
  client->send(get(server.url() + "/b"));
  EXPECT_EQ(server.connections(), 2);
}

TEST(BeastHttpClient, ReconnectsOnceWhenIdleConnectionWasClosedByServer) {
  TestServer server([](const ServerRequest&) {
    auto reply = ok();
    reply.action = ServerReply::Action::respond_then_close;  // announces keep-alive, then closes
    return reply;
  });
  auto client = makeBeastHttpClient(quickSettings());
  EXPECT_EQ(client->send(get(server.url() + "/a")).status, 200);
  // Let the server's FIN arrive, as it would for a connection idle-closed between polls.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(client->send(get(server.url() + "/b")).status, 200);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 2);
}

TEST(BeastHttpClient, ResetBeforeAnswerOnFreshConnectionIsReset) {
  TestServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.action = ServerReply::Action::reset;
    return reply;
  });
  auto client = makeBeastHttpClient(quickSettings());
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "reset");
  EXPECT_EQ(server.requests(), 1);  // a fresh connection is never retried by the transport
}

TEST(BeastHttpClient, ReadTimeoutWhenServerNeverAnswers) {
  TestServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.action = ServerReply::Action::hang;
    return reply;
  });
  auto settings = quickSettings();
  settings.read_timeout = std::chrono::milliseconds(200);
  auto client = makeBeastHttpClient(settings);
  const auto start = std::chrono::steady_clock::now();
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(BeastHttpClient, OverallTimeoutBoundsTheExchange) {
  TestServer server([](const ServerRequest&) {
    ServerReply reply;
    reply.action = ServerReply::Action::hang;
    return reply;
  });
  auto settings = quickSettings();
  settings.read_timeout = std::chrono::milliseconds(10'000);
  settings.overall_timeout = std::chrono::milliseconds(300);
  auto client = makeBeastHttpClient(settings);
  const auto start = std::chrono::steady_clock::now();
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(BeastHttpClient, BodyLimitIsEnforced) {
  TestServer server([](const ServerRequest&) { return ok(std::string(4096, 'x')); });
  auto settings = quickSettings();
  settings.body_limit = 1024;
  auto client = makeBeastHttpClient(settings);
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "body_limit");
  settings.body_limit = 4096;
  EXPECT_EQ(makeBeastHttpClient(settings)->send(get(server.url() + "/")).body.size(), 4096u);
}

TEST(BeastHttpClient, HeaderLimitIsAProtocolError) {
  TestServer server([](const ServerRequest&) {
    auto reply = ok();
    reply.headers["X-Big"] = std::string(8192, 'h');
    return reply;
  });
  auto settings = quickSettings();
  settings.header_limit = 1024;
  auto client = makeBeastHttpClient(settings);
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "protocol");
}

TEST(BeastHttpClient, ConnectionRefusedIsConnect) {
  unsigned short port = 0;
  {
    TestServer closed([](const ServerRequest&) { return ok(); });
    port = closed.port();
  }
  auto client = makeBeastHttpClient(quickSettings());
  expectTransportError([&] { client->send(get("http://127.0.0.1:" + std::to_string(port) + "/")); }, "connect");
}

TEST(BeastHttpClient, UnresolvableHostIsDns) {
  auto client = makeBeastHttpClient(quickSettings());
  // RFC 6761: .invalid never resolves.
  expectTransportError([&] { client->send(get("http://no-such-host.invalid/")); }, "dns");
}

TEST(BeastHttpClient, BadUrlIsUrl) {
  auto client = makeBeastHttpClient(quickSettings());
  expectTransportError([&] { client->send(get("ftp://127.0.0.1/")); }, "url");
  expectTransportError([&] { client->send(get("no scheme")); }, "url");
  expectTransportError([&] { client->send(get("http:///path-only")); }, "url");
}

TEST(BeastHttpClient, IllegalCharactersAreEncodedAndEncodedOnesKept) {
  TestServer server([](const ServerRequest&) { return ok(); });
  auto client = makeBeastHttpClient(quickSettings());
  client->send(get(server.url() + "/fhir/Observation?code=http://loinc.org|1975-2,http://loinc.org%7C1751-7&note=a b"));
  EXPECT_EQ(server.received().at(0).target,
            "/fhir/Observation?code=http://loinc.org%7C1975-2,http://loinc.org%7C1751-7&note=a%20b");
}

// ---- TLS ------------------------------------------------------------------------------------

TEST(BeastHttpsClient, VerifiedGetByIpAndByName) {
  TestServer server([](const ServerRequest&) { return ok("secure"); }, serverTls());
  auto client = makeBeastHttpClient(tlsSettings());
  EXPECT_EQ(client->send(get(server.url("127.0.0.1") + "/x")).body, "secure");
  EXPECT_EQ(client->send(get(server.url("localhost") + "/x")).body, "secure");
  EXPECT_EQ(server.received().at(1).header("host"), "localhost:" + std::to_string(server.port()));
}

TEST(BeastHttpsClient, KeepAliveReuseOverTls) {
  TestServer server([](const ServerRequest&) { return ok(); }, serverTls());
  auto client = makeBeastHttpClient(tlsSettings());
  for (int i = 0; i < 3; ++i)
    client->send(get(server.url() + "/a"));
  EXPECT_EQ(server.connections(), 1);
}

TEST(BeastHttpsClient, ReconnectsOverTlsWhenIdleConnectionWasClosed) {
  TestServer server(
      [](const ServerRequest&) {
        auto reply = ok();
        reply.action = ServerReply::Action::respond_then_close;
        return reply;
      },
      serverTls());
  auto client = makeBeastHttpClient(tlsSettings());
  client->send(get(server.url() + "/a"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(client->send(get(server.url() + "/b")).status, 200);
  EXPECT_EQ(server.connections(), 2);
}

TEST(BeastHttpsClient, UntrustedCaIsRefused) {
  const auto& pki = test::testPki();
  auto options = serverTls();
  options.cert_file = pki.rogue_server_cert;
  options.key_file = pki.rogue_server_key;
  TestServer server([](const ServerRequest&) { return ok(); }, options);
  auto client = makeBeastHttpClient(tlsSettings());
  const auto message = expectTransportError([&] { client->send(get(server.url() + "/")); }, "tls");
  EXPECT_NE(message.find("certificate"), std::string::npos) << message;
  EXPECT_EQ(server.requests(), 0);
}

TEST(BeastHttpsClient, WrongHostNameIsRefused) {
  const auto& pki = test::testPki();
  auto options = serverTls();
  options.cert_file = pki.wrong_name_cert;
  options.key_file = pki.wrong_name_key;
  TestServer server([](const ServerRequest&) { return ok(); }, options);
  auto client = makeBeastHttpClient(tlsSettings());
  expectTransportError([&] { client->send(get(server.url("localhost") + "/")); }, "tls");
  expectTransportError([&] { client->send(get(server.url("127.0.0.1") + "/")); }, "tls");
  EXPECT_EQ(server.requests(), 0);
}

TEST(BeastHttpsClient, Tls11OnlyServerIsRefused) {
  auto options = serverTls();
  options.tls11_only = true;
  TestServer server([](const ServerRequest&) { return ok(); }, options);
  auto client = makeBeastHttpClient(tlsSettings());
  const auto message = expectTransportError([&] { client->send(get(server.url() + "/")); }, "tls");
  EXPECT_NE(message.find("version"), std::string::npos) << message;
  EXPECT_EQ(server.requests(), 0);
}

TEST(BeastHttpsClient, ClientCertificateIsPresentedForMutualTls) {
  const auto& pki = test::testPki();
  auto options = serverTls();
  options.require_client_cert = true;
  options.client_ca_file = pki.ca_cert;
  TestServer server([](const ServerRequest& request) { return ok("hello " + request.peer_subject); }, options);
  auto settings = tlsSettings();
  settings.tls.client_cert_file = pki.client_cert;
  settings.tls.client_key_file = pki.client_key;
  EXPECT_EQ(makeBeastHttpClient(settings)->send(get(server.url() + "/")).body, "hello fa-test-client");
}

TEST(BeastHttpsClient, ServerRequiringClientCertificateRefusesClientWithout) {
  const auto& pki = test::testPki();
  auto options = serverTls();
  options.require_client_cert = true;
  options.client_ca_file = pki.ca_cert;
  TestServer server([](const ServerRequest&) { return ok(); }, options);
  auto client = makeBeastHttpClient(tlsSettings());
  // With TLS 1.3 the server's refusal arrives after the client's handshake completed, as an
  // alert on the first read: still a TLS failure, not a reset.
  expectTransportError([&] { client->send(get(server.url() + "/")); }, "tls");
  EXPECT_EQ(server.requests(), 0);
}

TEST(BeastHttpsClient, MissingCaFileFailsAtConstruction) {
  auto settings = quickSettings();
  settings.tls.ca_file = "/nonexistent/ca.pem";
  expectTransportError([&] { makeBeastHttpClient(settings); }, "tls");
}

TEST(BeastHttpsClient, MismatchedClientKeyFailsAtConstruction) {
  const auto& pki = test::testPki();
  auto settings = tlsSettings();
  settings.tls.client_cert_file = pki.client_cert;
  settings.tls.client_key_file = pki.server_key;  // not the certificate's key
  const auto message = expectTransportError([&] { makeBeastHttpClient(settings); }, "tls");
  EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace fa::net

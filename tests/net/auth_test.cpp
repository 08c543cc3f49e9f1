// Authenticators: Basic and bearer header values; SMART Backend Services end to end against an
// in-process FHIR server + token endpoint that verifies the signed client assertion.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "net/auth.h"
#include "net/fhir_client.h"
#include "net/smart_token_endpoint.h"
#include "net/test_certs.h"
#include "net/test_https_server.h"

namespace fa::net {
namespace {

using namespace std::chrono_literals;
using test::ServerReply;
using test::ServerRequest;
using test::TestServer;

TEST(BasicAuth, EncodesUserColonPassword) {
  // RFC 7617 section 2 example.
  EXPECT_EQ(makeBasicAuth("Aladdin", "open sesame")->authorization(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_THROW(makeBasicAuth("a:b", "x"), AuthError);
}

TEST(BearerAuth, StaticToken) {
  EXPECT_EQ(makeBearerAuth("abc.def")->authorization(), "Bearer abc.def");
  EXPECT_THROW(makeBearerAuth(""), AuthError);
  EXPECT_EQ(makeNoAuth()->authorization(), std::nullopt);
}

// A clock tests move by hand; shared by the client and the token endpoint.
struct ManualClock {
  std::atomic<std::int64_t> seconds{1'772'359'200};  // 2026-03-01T10:00:00Z
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds.load()));
  }
  void advance(std::chrono::seconds by) { seconds += by.count(); }
};

// FHIR server + discovery + token endpoint on one TestServer.
class SmartFixture {
 public:
  SmartFixture(const std::string& alg, test::PkeyPtr client_key, long expires_in = 300)
      : key_(std::move(client_key)), key_file_(test::testPki().file("smart-" + alg + "-" + std::to_string(++counter_) + ".key")) {
    test::writePrivateKey(key_file_, key_.get());
    server_ = std::make_unique<TestServer>([this](const ServerRequest& request) { return handle(request); });
    test::SmartTokenEndpoint::Settings settings;
    settings.alg = alg;
    settings.client_id = "fa-client";
    settings.kid = "key-2026";
    settings.scope = "system/Observation.rs";
    settings.token_url = server_->url() + "/auth/token";
    settings.expires_in = expires_in;
    settings.now = [this] { return clock.now(); };
    endpoint_ = std::make_unique<test::SmartTokenEndpoint>(test::publicKeyOf(key_.get()), settings);
  }

  ~SmartFixture() { server_.reset(); }  // no handler may run once the endpoint is gone

  SmartSettings smartSettings() const {
    SmartSettings s;
    s.fhir_base_url = server_->url() + "/fhir";
    s.client_id = "fa-client";
    s.private_key_file = key_file_;
    s.key_id = "key-2026";
    s.jku = "https://fa.example/jwks.json";
    return s;
  }

  std::shared_ptr<HttpClient> http() {
    HttpClientSettings settings;
    settings.connect_timeout = 2s;
    settings.read_timeout = 2s;
    return makeBeastHttpClient(settings);
  }

  std::shared_ptr<Authenticator> auth() {
    return makeSmartBackendAuth(smartSettings(), http(), SmartClock{[this] { return clock.now(); }});
  }

  FhirClient fhirClient(std::shared_ptr<Authenticator> authenticator) {
    Clock c;
    c.now = [this] { return clock.now(); };
    c.sleep = [](std::chrono::milliseconds) {};
    return FhirClient(server_->url() + "/fhir", http(), std::move(authenticator), RetryPolicy{}, {}, c);
  }

  int discoveries() const { return discoveries_.load(); }
  test::SmartTokenEndpoint& endpoint() { return *endpoint_; }
  TestServer& server() { return *server_; }
  std::atomic<int> revoked_token{0};  // access-N the FHIR server refuses once
  ManualClock clock;

 private:
  ServerReply handle(const ServerRequest& request) {
    ServerReply reply;
    reply.headers["Content-Type"] = "application/json";
    if (request.target == "/fhir/.well-known/smart-configuration") {
      ++discoveries_;
      reply.body =
          R"({"token_endpoint":")" + server_->url() + R"(/auth/token","token_endpoint_auth_methods_supported":["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported":["RS384","ES384"]})";
    } else if (request.target == "/auth/token") {
      reply = endpoint_->handle(request);
    } else {
      const auto authorization = request.header("authorization");
      const int revoked = revoked_token.load();
      const bool is_revoked = revoked != 0 && authorization == "Bearer access-" + std::to_string(revoked);
      if (is_revoked || authorization != "Bearer " + endpoint_->currentToken()) {
        reply.status = 401;
        reply.body = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login"}]})";
      } else {
        reply.body = R"({"resourceType":"Bundle","type":"searchset"})";
      }
    }
    return reply;
  }

  static inline std::atomic<int> counter_{0};
  test::PkeyPtr key_;
  std::string key_file_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<test::SmartTokenEndpoint> endpoint_;
  std::atomic<int> discoveries_{0};
};

void expectCachedTokenFlow(SmartFixture& fixture) {
  auto client = fixture.fhirClient(fixture.auth());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(client.get("Observation?code=x").status, 200);
  EXPECT_EQ(fixture.endpoint().rejections(), std::vector<std::string>{});
  EXPECT_EQ(fixture.endpoint().issued(), 1);  // one token for several FHIR calls
  EXPECT_EQ(fixture.discoveries(), 1);
  const std::string header = fixture.endpoint().lastHeader();
  EXPECT_NE(header.find(R"("kid":"key-2026")"), std::string::npos) << header;
  EXPECT_NE(header.find(R"("jku":"https://fa.example/jwks.json")"), std::string::npos) << header;
}

TEST(SmartBackendAuth, Rs384AssertionIsVerifiedAndTokenCached) {
  SmartFixture fixture("RS384", test::generateKey("RSA", nullptr, 2048));
  expectCachedTokenFlow(fixture);
  EXPECT_EQ(fixture.endpoint().lastSignatureBytes(), 256u);
}

TEST(SmartBackendAuth, Es384AssertionIsRawRAndSAndVerified) {
  SmartFixture fixture("ES384", test::generateKey("EC", "P-384"));
  expectCachedTokenFlow(fixture);
  EXPECT_EQ(fixture.endpoint().lastSignatureBytes(), 96u);
}

TEST(SmartBackendAuth, RenewsAtEightyPercentOfExpiresIn) {
  SmartFixture fixture("ES384", test::generateKey("EC", "P-384"), 300);
  auto client = fixture.fhirClient(fixture.auth());
  client.get("Observation");
  fixture.clock.advance(239s);  // < 80% of 300 s
  client.get("Observation");
  EXPECT_EQ(fixture.endpoint().issued(), 1);
  fixture.clock.advance(1s);  // 240 s = 80%
  client.get("Observation");
  EXPECT_EQ(fixture.endpoint().issued(), 2);
  EXPECT_EQ(fixture.endpoint().rejections(), std::vector<std::string>{});
  EXPECT_EQ(fixture.discoveries(), 1);  // the endpoint is discovered once
}

TEST(SmartBackendAuth, RenewsOnceOnUnauthorized) {
  SmartFixture fixture("RS384", test::generateKey("RSA", nullptr, 2048));
  auto client = fixture.fhirClient(fixture.auth());
  client.get("Observation");
  fixture.revoked_token = 1;  // the server revokes access-1 early
  EXPECT_EQ(client.get("Observation").status, 200);
  EXPECT_EQ(fixture.endpoint().issued(), 2);
  EXPECT_EQ(fixture.endpoint().rejections(), std::vector<std::string>{});
}

TEST(SmartBackendAuth, ConcurrentCallersShareOneTokenRequest) {
  SmartFixture fixture("ES384", test::generateKey("EC", "P-384"));
  auto auth = fixture.auth();
  std::vector<std::thread> threads;
  std::vector<std::string> seen(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { seen[static_cast<std::size_t>(i)] = auth->authorization().value_or(""); });
  }
  for (auto& t : threads)
    t.join();
  for (const auto& value : seen)
    EXPECT_EQ(value, "Bearer access-1");
  EXPECT_EQ(fixture.endpoint().issued(), 1);
}

TEST(SmartBackendAuth, ConfiguredTokenUrlSkipsDiscovery) {
  SmartFixture fixture("ES384", test::generateKey("EC", "P-384"));
  auto settings = fixture.smartSettings();
  settings.token_url = fixture.server().url() + "/auth/token";
  auto auth = makeSmartBackendAuth(settings, fixture.http(), SmartClock{[&] { return fixture.clock.now(); }});
  EXPECT_EQ(auth->authorization(), "Bearer access-1");
  EXPECT_EQ(fixture.discoveries(), 0);
}

TEST(SmartBackendAuth, AssertionSignedWithAnUnregisteredKeyIsRefused) {
  SmartFixture fixture("ES384", test::generateKey("EC", "P-384"));
  // Sign with another P-384 key than the one the endpoint knows.
  const std::string other = test::testPki().file("smart-other.key");
  test::writePrivateKey(other, test::generateKey("EC", "P-384").get());
  auto settings = fixture.smartSettings();
  settings.private_key_file = other;
  auto client =
      fixture.fhirClient(makeSmartBackendAuth(settings, fixture.http(), SmartClock{[&] { return fixture.clock.now(); }}));
  try {
    client.get("Observation");
    FAIL() << "expected FhirError";
  } catch (const FhirError& error) {
    EXPECT_EQ(error.reason(), "auth");
    const std::string what = error.what();
    EXPECT_NE(what.find("invalid_client"), std::string::npos) << what;
    EXPECT_NE(what.find("bad signature"), std::string::npos) << what;
    EXPECT_EQ(what.find("eyJ"), std::string::npos) << "the assertion must not leak: " << what;
  }
  EXPECT_EQ(fixture.endpoint().rejections(), std::vector<std::string>{"bad signature"});
}

TEST(SmartBackendAuth, RejectsUnsupportedKeysAndSettings) {
  const auto& pki = test::testPki();
  SmartSettings settings;
  settings.fhir_base_url = "http://127.0.0.1:1/fhir";
  settings.client_id = "c";
  settings.private_key_file = pki.client_key;  // EC P-256: neither RS384 nor ES384
  std::shared_ptr<HttpClient> http = makeBeastHttpClient({});
  EXPECT_THROW(makeSmartBackendAuth(settings, http), AuthError);
  settings.private_key_file = pki.file("missing.key");
  EXPECT_THROW(makeSmartBackendAuth(settings, http), AuthError);
  const std::string p384 = pki.file("smart-p384.key");
  test::writePrivateKey(p384, test::generateKey("EC", "P-384").get());
  settings.private_key_file = p384;
  settings.assertion_lifetime = 301s;  // SMART: at most 5 minutes
  EXPECT_THROW(makeSmartBackendAuth(settings, http), AuthError);
  settings.assertion_lifetime = 300s;
  EXPECT_NO_THROW(makeSmartBackendAuth(settings, http));
}

}  // namespace
}  // namespace fa::net

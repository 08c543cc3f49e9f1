// The receiver end to end over real TLS (certificates from certs/make-dev-certs.sh): server,
// caller authentication, classification, durable queue, limits and shutdown.
#include "callback/callback_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "callback/callback_test_support.h"
#include "callback/caller_auth.h"
#include "callback/notification_intake.h"
#include "callback/notification_queue.h"
#include "callback/receiver_fixture.h"
#include "store/observation_store.h"

namespace fa::callback {
namespace {

using namespace test;
using namespace std::chrono_literals;

TEST_F(Receiver, StoresHapiFirelyMedplumShapesBeforeAnswering) {
  start();
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  EXPECT_EQ(c.send(Method::put, "/notify/Observation/h1", observation("h1", "1")).result_int(), 200);  // HAPI
  EXPECT_EQ(c.send(Method::put, "/notify/Observation/f1", observation("f1", "2"), "application/fhir+json; fhirVersion=4.0")
                .result_int(),
            200);
  EXPECT_EQ(c.send(Method::post, "/notify", observation("m1", "1")).result_int(), 200);  // Medplum
  EXPECT_EQ(c.send(Method::post, "/notify", "").result_int(), 200);                      // R4 without payload
  EXPECT_EQ(c.send(Method::post, "/notify", backportBundle("event-notification", "1", {{"1", "b1"}}, "id-only")).result_int(),
            200);
  EXPECT_EQ(c.send(Method::post, "/notify", r5Bundle("event-notification", "1", {{"1", "r1"}}, true)).result_int(), 200);
  EXPECT_EQ(c.send(Method::post, "/notify", backportBundle("handshake", "0", {}, "empty")).result_int(),
            200);  // answered, not kept
  // Each 200 came after the commit: the rows are there now.
  EXPECT_EQ(rows(), 6);
  EXPECT_EQ(rows("shape = 'resource_put'"), 2);
  EXPECT_EQ(rows("body = '" + observation("h1", "1") + "'"), 1);  // raw bytes as received
  EXPECT_EQ(events_.count("handshake:answered"), 1u);
}

TEST_F(Receiver, DuplicatesAreAcknowledgedAndStoredOnce) {
  start();
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.send(Method::put, "/notify/Observation/d1", observation("d1", "4")).result_int(), 200);
    EXPECT_EQ(
        c.send(Method::post, "/notify", backportBundle("event-notification", "5", {{"5", "d2"}}, "full-resource")).result_int(),
        200);
  }
  EXPECT_EQ(rows(), 2);
  EXPECT_EQ(events_.count("resource_put:duplicate"), 2u);
}

TEST_F(Receiver, BadRequestsGet400Or415AndNothingIsStored) {
  start();
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  auto r = c.send(Method::post, "/notify", observation("x", "1"), "text/plain");
  EXPECT_EQ(r.result_int(), 415);
  EXPECT_NE(r.body().find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(c.send(Method::post, "/notify", "{oops").result_int(), 400);
  EXPECT_EQ(c.send(Method::post, "/notify", R"({"resourceType":"Patient","id":"p"})").result_int(), 400);
  EXPECT_EQ(c.send(Method::get, "/notify", "").result_int(), 405);
  EXPECT_EQ(c.send(Method::post, "/other", "").result_int(), 404);
  EXPECT_EQ(rows(), 0);
  EXPECT_EQ(c.send(Method::post, "/notify", "").result_int(), 200);  // the connection still works
}

TEST_F(Receiver, BearerTokenAndSignature) {
  start({.bearer_token = "tok-123", .hmac_secret = "sig-key"});
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  const std::string body = observation("s1", "1");
  const std::string sig = hmacSha256Hex("sig-key", body);
  EXPECT_EQ(
      c.send(Method::post, "/notify", body, "application/fhir+json", {{"Authorization", "Bearer tok-123"}, {"X-Signature", sig}})
          .result_int(),
      200);
  auto r =
      c.send(Method::post, "/notify", body, "application/fhir+json", {{"Authorization", "Bearer wrong"}, {"X-Signature", sig}});
  EXPECT_EQ(r.result_int(), 401);
  EXPECT_EQ(r.body().find("tok-123"), std::string::npos);
  EXPECT_EQ(c.send(Method::post, "/notify", body, "application/fhir+json",
                   {{"Authorization", "Bearer tok-123"}, {"X-Signature", hmacSha256Hex("nope", body)}})
                .result_int(),
            401);
  EXPECT_EQ(c.send(Method::post, "/notify", body, "application/fhir+json", {{"Authorization", "Bearer tok-123"}}).result_int(),
            401);
  EXPECT_EQ(c.send(Method::post, "/notify", "").result_int(), 401);
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(events_.count("auth:bad_token"), 1u);
  EXPECT_EQ(events_.count("auth:bad_signature"), 1u);
  EXPECT_EQ(events_.count("auth:missing_signature"), 1u);
  EXPECT_EQ(events_.count("auth:missing_token"), 1u);
}

TEST_F(Receiver, PlainHttpToTheTlsPortIsRefused) {
  start();
  std::error_code ec;
  const Response res = plainHttp(server_->port(), Method::post, "/notify", ec);
  ASSERT_FALSE(ec) << ec.message();  // a plain answer saying why, not a reset
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_NE(res.body().find("OperationOutcome"), std::string::npos);
  EXPECT_NE(res.body().find("HTTPS only"), std::string::npos);
  EXPECT_EQ(rows(), 0);  // nothing stored
  EXPECT_EQ(events_.count("conn:plain_http"), 1u);
}

TEST_F(Receiver, Tls11IsRefused) {
  start();
  TlsClient old(server_->port(), {.client_cert = "", .client_key = "", .max_version = TLS1_1_VERSION});
  EXPECT_TRUE(old.connect());
  TlsClient modern(server_->port(), {.client_cert = "", .client_key = "", .max_version = TLS1_2_VERSION});
  EXPECT_FALSE(modern.connect());
}

TEST_F(Receiver, OversizedBodyGets413) {
  start();
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  std::string big = observation("big", "1");
  big.insert(big.size() - 1, R"(,"note":[{"text":")" + std::string(100 * 1024, 'x') + R"("}])");
  EXPECT_EQ(c.send(Method::post, "/notify", big).result_int(), 413);
  EXPECT_EQ(rows(), 0);
  EXPECT_EQ(events_.count("conn:body_limit"), 1u);
}

TEST_F(Receiver, ASlowClientIsClosed) {
  start();
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  const std::string partial = "POST /notify HTTP/1.1\r\nHost: localhost\r\nContent-Le";
  c.writeRaw(partial);
  std::this_thread::sleep_for(900ms);  // read_timeout is 400 ms
  EXPECT_TRUE(c.readByte());
  EXPECT_EQ(events_.count("conn:header_timeout"), 1u);
  // Slow body: headers on time, the body never completes.
  TlsClient d(server_->port());
  ASSERT_FALSE(d.connect());
  const std::string head =
      "POST /notify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n{";
  d.writeRaw(head);
  std::this_thread::sleep_for(900ms);
  EXPECT_TRUE(d.readByte());
  EXPECT_EQ(events_.count("conn:body_timeout"), 1u);
}

TEST_F(Receiver, MutualTlsRequiresAClientCertificateFromTheCa) {
  start({}, [](CallbackServerSettings& s) { s.client_ca_file = devCerts().file("ca.crt"); });
  TlsClient without(server_->port());
  std::error_code ec = without.connect();
  if (!ec) {  // TLS 1.3: the refusal arrives with the first read
    try {
      without.send(Method::post, "/notify", "");
      ADD_FAILURE() << "a client without a certificate was answered";
    } catch (const std::runtime_error& e) {  // Boost's system_error
      EXPECT_NE(std::string(e.what()).find("certificate required"), std::string::npos) << e.what();
    }
  }
  TlsClient with(server_->port(),
                 {.client_cert = devCerts().file("client.crt"), .client_key = devCerts().file("client.key"), .max_version = 0});
  ASSERT_FALSE(with.connect());
  EXPECT_EQ(with.send(Method::post, "/notify", "").result_int(), 200);
}

TEST_F(Receiver, ThousandNotificationsOverFiftyConnectionsNothingLostNothingDuplicated) {
  start();
  std::atomic<int> okCount{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&, t] {
      TlsClient c(server_->port());
      if (c.connect()) return;
      for (int i = 0; i < 20; ++i) {
        const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        if (c.send(Method::put, "/notify/Observation/" + id, observation(id, "1")).result_int() == 200) ++okCount;
        if (i % 5 == 0 && c.send(Method::put, "/notify/Observation/" + id, observation(id, "1")).result_int() == 200)
          ++okCount;  // a retry
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(okCount.load(), 1200);
  EXPECT_EQ(rows(), 1000);
  store::SqliteDb raw(db_, store::SqliteDb::Mode::ReadOnly);
  auto s = raw.prepare("SELECT COUNT(DISTINCT dedupe_key) FROM notifications");
  s.step();
  EXPECT_EQ(s.integer(0), 1000);
}

TEST_F(Receiver, ConnectionsBeyondTheLimitAreClosed) {
  start({}, [](CallbackServerSettings& s) { s.max_connections = 2; });
  TlsClient a(server_->port()), b(server_->port()), c(server_->port());
  ASSERT_FALSE(a.connect());
  ASSERT_FALSE(b.connect());
  EXPECT_TRUE(c.connect());
  EXPECT_EQ(a.send(Method::post, "/notify", "").result_int(), 200);
}

TEST_F(Receiver, CertificatesReloadAndABrokenFileIsRefused) {
  const auto dir = tempDir("reload");
  std::filesystem::copy_file(devCerts().file("server.crt"), dir / "server.crt");
  std::filesystem::copy_file(devCerts().file("server.key"), dir / "server.key");
  start({}, [&](CallbackServerSettings& s) {
    s.cert_file = (dir / "server.crt").string();
    s.key_file = (dir / "server.key").string();
  });
  { std::ofstream((dir / "server.crt").string()) << "garbage"; }
  EXPECT_THROW(server_->reloadCertificates(), std::runtime_error);
  TlsClient a(server_->port());
  EXPECT_FALSE(a.connect());  // the previous certificate is still served
  std::filesystem::copy_file(devCerts().file("server.crt"), dir / "server.crt",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_NO_THROW(server_->reloadCertificates());
  TlsClient b(server_->port());
  EXPECT_FALSE(b.connect());
}

TEST_F(Receiver, StopAnswersRequestsInFlight) {
  // A handler that answers late: stop() must wait for it.
  dir_ = tempDir("stop");
  std::atomic<bool> answered{false};
  std::thread late;
  CallbackServerSettings s;
  s.host = "127.0.0.1";
  s.port = 0;
  s.cert_file = devCerts().file("server.crt");
  s.key_file = devCerts().file("server.key");
  std::promise<void> inHandler;
  server_ = std::make_unique<CallbackServer>(s, [&](ServerRequest&&, Responder respond) {
    inHandler.set_value();
    late = std::thread([&answered, respond] {
      std::this_thread::sleep_for(300ms);
      answered = true;
      respond(ServerResponse{200, "", "", {}});
    });
  });
  TlsClient idle(server_->port());
  ASSERT_FALSE(idle.connect());
  TlsClient c(server_->port());
  ASSERT_FALSE(c.connect());
  std::thread client([&] {
    auto r = c.send(Method::post, "/notify", "");
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_FALSE(r.keep_alive());
  });
  inHandler.get_future().wait();
  server_->stop();
  EXPECT_TRUE(answered.load());
  client.join();
  late.join();
  EXPECT_EQ(server_->connections(), 0u);
}

}  // namespace
}  // namespace fa::callback

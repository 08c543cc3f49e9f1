// Hostile requests against the receiver: each malformed-HTTP shape costs at most its own
// connection. After every shape the server is still up and answers a good notification on a
// new connection; no exception escapes a handler under the shipped limits.
//
// The fixture's limits (receiver_fixture.h): body 64 KiB, headers 16 KiB (the default), read
// timeout 400 ms. Each expected status follows from Beast's parser errors as the receiver maps
// them (callback_server.cpp): header_limit / buffer_overflow -> 431, body_limit -> 413, any
// other parse error -> 400; a request that parses goes to the intake (405 for another method).
#include <gtest/gtest.h>

#include <random>

#include "callback/hostile_client.h"
#include "callback/receiver_fixture.h"

namespace fa::callback {
namespace {

using namespace test;

// ClientOptions with some fields set (designated initializers would have to name every field).
template <typename F>
ClientOptions options(F set) {
  ClientOptions o;
  set(o);
  return o;
}

const std::string kHead = "POST /notify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n";
const std::string kChunked = kHead + "Transfer-Encoding: chunked\r\n\r\n";

class Hostile : public Receiver {
 protected:
  // A good notification on a fresh connection is stored and answered 200.
  void expectServing(const std::string& shape) {
    TlsClient c(server_->port());
    ASSERT_FALSE(c.connect()) << "after " << shape;
    EXPECT_EQ(c.send(Method::post, "/notify", "").result_int(), 200) << "after " << shape;
  }
  // The shape is answered with `status` (its status line starts so), the connection closed.
  void expectAnswer(const std::string& shape, const std::vector<std::string>& pieces, const std::string& status) {
    Exchange e = hostile(server_->port(), pieces);
    EXPECT_TRUE(e.connected) << shape;
    EXPECT_TRUE(e.closed) << shape << ": the connection was left open";
    EXPECT_EQ(e.status().substr(0, 12), "HTTP/1.1 " + status) << shape << ": " << e.status();
    expectServing(shape);
  }
};

TEST_F(Hostile, OversizedHeadersTargetsAndTrailersGet431) {
  start();
  expectAnswer("huge header", {kHead + "X-Big: " + std::string(100'000, 'a') + "\r\n\r\n"}, "431");
  std::string many = kHead;
  for (int i = 0; i < 4000; ++i)  // 4,000 x 8 bytes = 32,000: over the header limit (16,384) and the buffer (24,576)
    many += "X-H: v\r\n";
  expectAnswer("many headers", {many + "\r\n"}, "431");
  expectAnswer("huge target", {"POST /notify?" + std::string(20'000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n"}, "431");
  // The probe's crash: a trailer field over 65,535 bytes. The read buffer stops at 16 KiB + 8 KiB.
  expectAnswer("huge trailer", {kChunked + "2\r\n{}\r\n0\r\nX-Trailer: " + std::string(70'000, 'a') + "\r\n\r\n"}, "431");
  expectAnswer("many trailers", {kChunked + "0\r\n" + many.substr(kHead.size()) + "\r\n"}, "431");
  EXPECT_EQ(events_.count("conn:header_limit"), 5u);
  EXPECT_EQ(events_.count("conn:handler_exception"), 0u);
  EXPECT_EQ(rows(), 5);  // only the five good notifications
}

TEST_F(Hostile, BadChunksAndLengthsGet400Or413) {
  start();
  expectAnswer("chunk size not hex", {kChunked + "zz\r\n{}\r\n0\r\n\r\n"}, "400");
  expectAnswer("chunk size overflows 64 bits", {kChunked + "fffffffffffffffffffff\r\n"}, "400");
  expectAnswer("chunk data longer than its size", {kChunked + "2\r\n{}XX\r\n0\r\n\r\n"}, "400");
  expectAnswer("chunk over the body limit", {kChunked + "10001\r\n"}, "413");  // 65,537 > 65,536
  expectAnswer("chunks adding up over the limit", {kChunked + "8000\r\n" + std::string(0x8000, ' ') + "\r\n8001\r\n"}, "413");
  expectAnswer("content-length over the limit", {kHead + "Content-Length: 1000000\r\n\r\n"}, "413");
  expectAnswer("content-length not a number", {kHead + "Content-Length: abc\r\n\r\n{}"}, "400");
  expectAnswer("content-length negative", {kHead + "Content-Length: -1\r\n\r\n{}"}, "400");
  expectAnswer("content-length overflows", {kHead + "Content-Length: 99999999999999999999999\r\n\r\n"}, "400");
  expectAnswer("two content-lengths", {kHead + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"}, "400");
  expectAnswer("content-length and chunked", {kHead + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"}, "400");
  EXPECT_EQ(events_.count("conn:body_limit"), 3u);
  EXPECT_EQ(events_.count("conn:bad_request"), 8u);
  EXPECT_EQ(rows(), 11);
}

TEST_F(Hostile, BadRequestLinesAndHeaderBytesGet400) {
  start();
  expectAnswer("control byte in method", {std::string("P\x01ST /notify HTTP/1.1\r\nHost: x\r\n\r\n")}, "400");
  expectAnswer("bad version", {"POST /notify HTTP/x.1\r\nHost: x\r\n\r\n"}, "400");
  expectAnswer("NUL in a header value", {kHead + std::string("X-A: a\0b\r\n\r\n", 12)}, "400");
  expectAnswer("bare LF line end", {"POST /notify HTTP/1.1\nHost: x\r\n\r\n"}, "400");
  expectAnswer("no header colon", {kHead + "NoColonHere\r\n\r\n"}, "400");
  // These parse: the intake answers them.
  expectAnswer("unknown method", {"BREW /notify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}, "405");
  expectAnswer("HTTP/2 preface", {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}, "400");  // Beast takes HTTP/1.x only
  EXPECT_EQ(events_.count("conn:bad_request"), 6u);
  EXPECT_EQ(rows(), 7);
}

TEST_F(Hostile, PipelinedGarbageAfterAGoodRequest) {
  start();
  const std::string good = kHead + "Content-Length: 0\r\n\r\n";
  Exchange e = hostile(server_->port(), {good + "GARBAGE\r\n\r\n"});
  EXPECT_TRUE(e.closed);
  EXPECT_EQ(e.answers(), 2u);  // 200 for the request, 400 for the garbage, then close
  EXPECT_EQ(e.status().substr(0, 12), "HTTP/1.1 200");
  EXPECT_NE(e.received.find("HTTP/1.1 400"), std::string::npos);
  // Ten good requests in one write, the last asking to close: ten answers.
  std::string ten;
  for (int i = 0; i < 9; ++i)
    ten += good;
  ten += kHead + "Content-Length: 0\r\nConnection: close\r\n\r\n";
  Exchange f = hostile(server_->port(), {ten});
  EXPECT_TRUE(f.closed);
  EXPECT_EQ(f.answers(), 10u);
  expectServing("pipelining");
}

TEST_F(Hostile, SlowClientsAreClosedWithoutAnAnswer) {
  start();
  // Slowloris: a header that never ends; closed at the read timeout (the client just waits for it).
  Exchange a = hostile(server_->port(), {"POST /notify HTTP/1.1\r\nHost: localhost\r\nX-Slow: "});
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(a.received, "");
  Exchange b = hostile(server_->port(), {kHead + "Content-Length: 100\r\n\r\n{"});
  EXPECT_TRUE(b.closed);
  EXPECT_EQ(b.received, "");
  EXPECT_EQ(events_.countWhen("conn:header_timeout", 1), 1u);
  EXPECT_EQ(events_.countWhen("conn:body_timeout", 1), 1u);
  expectServing("slow clients");
}

TEST_F(Hostile, TlsGarbageAndPlainGarbageAreClosed) {
  start();
  std::mt19937 rng(12);  // fixed seed: the same bytes every run
  auto noise = [&rng](std::size_t n) {
    std::string out(n, '\0');
    for (char& c : out)
      c = static_cast<char>(rng() & 0xff);
    return out;
  };
  // A TLS record header (handshake, TLS 1.0, 512 bytes), a ClientHello type and a 508-byte
  // size (what Beast's detect_ssl checks), then noise: taken for TLS, the handshake fails.
  Exchange t =
      hostile(server_->port(), {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9) + noise(508)}, Transport::PlainTcp);
  EXPECT_TRUE(t.closed);
  EXPECT_EQ(t.answers(), 0u);
  expectServing("TLS garbage");
  // Not TLS at all: the plain 400 ("HTTPS only").
  Exchange p = hostile(server_->port(), {"\x01garbage" + noise(200)}, Transport::PlainTcp);
  EXPECT_TRUE(p.closed);
  EXPECT_EQ(p.status().substr(0, 12), "HTTP/1.1 400");
  expectServing("plain garbage");
  // Noise after a good handshake, five times (a leading control byte: never a method).
  for (int i = 0; i < 5; ++i) {
    Exchange n = hostile(server_->port(), {"\x01" + noise(1000)});
    EXPECT_TRUE(n.closed);
    EXPECT_EQ(n.status().substr(0, 12), "HTTP/1.1 400");
  }
  expectServing("noise");
  EXPECT_EQ(events_.count("conn:handler_exception"), 0u);
}

// The guard itself: with header limits raised past Beast's 65,535-byte field limit, the trailer
// makes Beast throw std::length_error inside its read operation (no handler of ours is on the
// stack). Before the guard this ended io_context::run() and the process; now that connection is
// dropped, counted, and the receiver answers the next request.
TEST_F(Hostile, AnExceptionInsideBeastCostsOnlyItsConnection) {
  start({}, [](CallbackServerSettings& s) { s.max_header_bytes = 256u << 10; });
  Exchange e = hostile(server_->port(), {kChunked + "0\r\nX-Trailer: " + std::string(70'000, 'a') + "\r\n\r\n"});
  EXPECT_TRUE(e.closed);
  EXPECT_EQ(e.answers(), 0u);
  EXPECT_EQ(events_.countWhen("conn:handler_exception", 1), 1u);
  EXPECT_EQ(server_->connections(), 0u);  // the dropped session is gone, not leaked
  expectServing("length_error");
}

// A pre-authentication deadline of 1 s and 10 s for every other timeout: whatever closes these
// connections within the 8 s bound can only be the deadline. Before it, a TLS handshake and
// silence held a slot for the idle timeout (59 s in the probe).
TEST_F(Hostile, SilentAndSlowCallersAreClosedAtThePreauthDeadline) {
  start({}, [](CallbackServerSettings& s) {
    s.preauth_timeout = 1s;
    s.read_timeout = s.handshake_timeout = s.idle_timeout = 10s;
  });
  Exchange tcp = HostileClient(server_->port(), Transport::PlainTcp).run({}, 8s);  // not a byte
  EXPECT_TRUE(tcp.closed);
  Exchange tls = HostileClient(server_->port(), Transport::Tls).run({}, 8s);  // a handshake, then silence
  EXPECT_TRUE(tls.connected);
  EXPECT_TRUE(tls.closed);
  Exchange partial = HostileClient(server_->port(), Transport::Tls).run({"POST /notify HTTP/1.1\r\nHost: x\r\n"}, 8s);
  EXPECT_TRUE(partial.closed);
  EXPECT_EQ(partial.received, "");
  EXPECT_EQ(events_.countWhen("conn:tls_handshake", 1), 1u);   // the silent TCP connection
  EXPECT_EQ(events_.countWhen("conn:header_timeout", 2), 2u);  // the silent TLS one, the partial headers
  expectServing("pre-authentication deadline");
}

// Two connections per address: a third from 127.0.0.1 is closed at accept, one from 127.0.0.2
// (another loopback address) still gets in, and the first two still work.
TEST_F(Hostile, OneAddressCannotTakeEverySlot) {
  start({}, [](CallbackServerSettings& s) { s.max_connections_per_address = 2; });
  TlsClient a(server_->port()), b(server_->port()), c(server_->port());
  ASSERT_FALSE(a.connect());
  ASSERT_FALSE(b.connect());
  EXPECT_TRUE(c.connect());
  EXPECT_EQ(events_.count("conn:too_many_from_address"), 1u);
  TlsClient other(server_->port(), options([](ClientOptions& o) { o.source_address = "127.0.0.2"; }));
  ASSERT_FALSE(other.connect());
  EXPECT_EQ(other.send(Method::post, "/notify", "").result_int(), 200);
  EXPECT_EQ(a.send(Method::post, "/notify", "").result_int(), 200);
  EXPECT_EQ(server_->connections(), 3u);  // a, b and other
}

// TLS 1.0 and 1.1 are refused; so is every TLS 1.2 suite without forward secrecy or without
// AEAD (the receiver offers ECDHE with AES-GCM or ChaCha20 only; the dev certificate is ECDSA).
// A client limited to such a suite fails its handshake; with a modern suite it succeeds.
TEST_F(Hostile, OldProtocolsAndWeakCiphersAreRefused) {
  start();
  EXPECT_TRUE(TlsClient(server_->port(), options([](ClientOptions& o) { o.max_version = TLS1_VERSION; })).connect());
  EXPECT_TRUE(TlsClient(server_->port(), options([](ClientOptions& o) { o.max_version = TLS1_1_VERSION; })).connect());
  for (const char* weak : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256",
                           "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-NULL-SHA", "AES128-GCM-SHA256", "AES256-SHA"}) {
    TlsClient client(server_->port(), options([weak](ClientOptions& o) { o.cipher_list = weak; }));
    ASSERT_TRUE(client.offersCiphers()) << weak << ": this OpenSSL cannot offer it, so the test would prove nothing";
    EXPECT_TRUE(client.connect()) << weak << " was accepted";
  }
  EXPECT_FALSE(
      TlsClient(server_->port(), options([](ClientOptions& o) { o.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256"; })).connect());
  EXPECT_FALSE(TlsClient(server_->port(), options([](ClientOptions& o) { o.max_version = TLS1_2_VERSION; })).connect());
  EXPECT_FALSE(TlsClient(server_->port()).connect());  // TLS 1.3
}

}  // namespace
}  // namespace fa::callback

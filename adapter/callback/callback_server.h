#pragma once
// CallbackServer: the HTTPS listener of the subscription receiver (Boost.Beast + OpenSSL),
// after Beast's advanced server-flex example: one session per connection on its own strand,
// a timeout before every operation, a fresh parser per request with body and header limits.
//
//   - TLS 1.2 or later, ECDHE + AEAD ciphers (Mozilla "intermediate"); optional client
//     certificate verification against a CA (mTLS): no certificate, no handshake.
//   - Limits from configuration: body size (413), header size (431), header and body read
//     timeouts (a slow client is closed), a pre-authentication deadline (handshake and headers),
//     idle keep-alive timeout, maximum connections in all and per client address (more are
//     closed at once), handshake and write timeouts.
//   - reloadCertificates(): new connections use the new certificate; a broken file is refused
//     and the previous certificate kept (SIGHUP).
//   - stop(): no new connections; idle ones are closed; requests already read are answered
//     (with Connection: close), up to a grace period.
//
// The server knows nothing of FHIR: each complete request goes to the RequestHandler, which
// answers through its Responder exactly once, from any thread. Runs on its own io threads.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/http_types.h"

namespace fa::callback {

struct CallbackServerSettings {
  std::string host = "0.0.0.0";
  unsigned short port = 8443;  // 0 picks a free port
  std::string cert_file, key_file;
  std::string client_ca_file;  // "" = no client certificates asked
  std::size_t max_body_bytes = 1u << 20;
  std::uint32_t max_header_bytes = 16u << 10;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds read_timeout{10'000};  // for the headers, then again for the body
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive: between requests
  // Before a caller can be authenticated (its request headers read) it gets this long, counted
  // from the accept: the TLS handshake and the first request's headers together; a later
  // request's headers get it again from its first byte. Idle or slow connections cannot hold
  // the receiver's slots for longer.
  std::chrono::milliseconds preauth_timeout{5'000};
  std::size_t max_connections = 256;
  std::size_t max_connections_per_address = 64;  // one address cannot take every slot (a quarter)
  int threads = 2;
};

struct ServerRequest {
  std::string method, target;
  net::Headers headers;  // lower-case names; repeated headers joined with ","
  std::string body;
  bool client_certificate = false;                 // a verified client certificate was presented (mTLS)
  std::chrono::steady_clock::time_point received;  // when the request was completely read
};

struct ServerResponse {
  int status = 200;
  std::string content_type;  // "" = no body type
  std::string body;
  net::Headers headers;  // extra headers (e.g. www-authenticate, retry-after)
};

using Responder = std::function<void(ServerResponse)>;
using RequestHandler = std::function<void(ServerRequest&&, Responder)>;

// Connection-level events for metrics and logs: "tls_handshake", "header_timeout",
// "body_timeout", "body_limit", "header_limit", "bad_request", "too_many_connections",
// "too_many_from_address", "idle_closed",
// "handler_exception" (an exception escaped a handler: that connection was dropped, the server goes on).
using ServerEventHandler = std::function<void(const std::string& event)>;

class CallbackServer {
 public:
  // Binds and starts; throws std::runtime_error (certificate, key, CA or address problems).
  CallbackServer(CallbackServerSettings settings, RequestHandler handler, ServerEventHandler events = {});
  ~CallbackServer();  // stop()
  CallbackServer(const CallbackServer&) = delete;
  CallbackServer& operator=(const CallbackServer&) = delete;

  unsigned short port() const;
  // Rereads certificate, key and CA; throws std::runtime_error and keeps the old ones on failure.
  void reloadCertificates();
  // Graceful: see above. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5'000));
  std::size_t connections() const;

  struct Impl;  // implementation detail (shared with the sessions)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fa::callback

#pragma once
// HttpClient: one blocking HTTP(S) exchange at a time, with every timeout and limit from
// configuration. The interface lets the sync engine be tested with a fake; BeastHttpClient is
// the real one (Boost.Beast + OpenSSL, keep-alive reuse, TLS 1.2+, peer and host verification).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/http_types.h"
#include "net/proxy.h"

namespace fa::net {

// Failure to exchange at all (DNS, connect, TLS, timeout, reset, body too large). Carries a
// reason label for metrics: "dns", "connect", "tls", "timeout", "reset", "body_limit",
// "protocol" (malformed or oversized response headers), "url" (unparsable or not http(s); not
// worth retrying), "proxy" (the proxy refused the CONNECT tunnel), "proxy_auth" (the proxy asks
// for credentials, HTTP 407; not worth retrying).
class TransportError : public std::runtime_error {
 public:
  TransportError(std::string reason, const std::string& what) : std::runtime_error(what), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

struct TlsSettings {
  std::string ca_file;           // PEM bundle; "" = system default paths
  std::string ca_dir;            // hashed directory; "" = none
  std::string client_cert_file;  // PEM chain for mTLS; "" = none
  std::string client_key_file;   // PEM key for mTLS
  bool verify_peer = true;       // only tests may turn this off
};

struct HttpClientSettings {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};      // per read of headers or body
  std::chrono::milliseconds overall_timeout{120'000};  // whole exchange
  std::size_t body_limit = 64u << 20;                  // response body bytes
  std::uint32_t header_limit = 64u << 10;              // response header bytes
  std::string user_agent = "fhir-adapter/0.1";
  TlsSettings tls;
  ProxySettings proxy;  // [fhir] proxy or the environment's; none = direct connections
};

// Thread-safety: BeastHttpClient serialises send() calls with a mutex (one exchange at a time;
// one cached keep-alive connection per scheme/host/port).
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Throws TransportError; an HTTP error status is a normal response.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

// Throws TransportError("tls") when the CA or client certificate/key files cannot be loaded.
std::unique_ptr<HttpClient> makeBeastHttpClient(const HttpClientSettings& settings);

}  // namespace fa::net

// BeastHttpClient: the blocking HttpClient over Boost.Beast + OpenSSL.
//
// Each send() runs asynchronous Beast operations on a private io_context, one operation at a
// time, so every step is bounded by a beast::tcp_stream deadline (connect, handshake, write,
// each read) and by the overall deadline of the exchange. One keep-alive connection is cached per
// scheme/host/port; a reused connection the server closed while idle is reopened once,
// transparently, when not a single byte of the response had arrived. Through a proxy
// (HttpClientSettings::proxy, proxy.h) each new connection is a CONNECT tunnel to the target.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/percent_encoding.h"
#include "net/http_client.h"
#include "net/proxy.h"

namespace fa::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

struct Target {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string host_header;
  std::string path_and_query;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

Target parseTarget(const std::string& raw_url) {
  // FHIR search URLs are commonly written with raw '|' (code=http://loinc.org|1975-2) and other
  // characters RFC 3986 does not allow; servers expect them percent-encoded. '%' is left alone
  // so that an already encoded URL (a Bundle next link) is sent byte for byte.
  const std::string url = common::encodeIllegalUrlCharacters(raw_url);
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw TransportError("url", "invalid URL: " + parsed.error().message());
  const boost::urls::url_view& u = *parsed;
  Target t;
  std::string scheme(u.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    throw TransportError("url", "unsupported URL scheme: " + scheme);
  }
  if (u.host_type() == boost::urls::host_type::ipv6) {
    t.host = u.host_ipv6_address().to_string();
  } else {
    t.host = std::string(u.host());
  }
  if (t.host.empty()) throw TransportError("url", "URL without host");
  const std::string default_port = t.tls ? "443" : "80";
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : default_port;
  t.host_header = std::string(u.encoded_host_and_port());
  if (t.port == default_port) t.host_header = std::string(u.encoded_host());
  t.path_and_query = std::string(u.encoded_path());
  if (t.path_and_query.empty()) t.path_and_query = "/";
  if (u.has_query()) t.path_and_query += "?" + std::string(u.encoded_query());
  return t;
}

// An error of the TLS layer itself (alerts, verification), as opposed to the socket under it.
bool isTlsError(const beast::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated;
}

bool isTimeout(const beast::error_code& ec) {
  return ec == beast::error::timeout;
}

// The peer went away: the connection, not the request, is at fault.
bool isPeerClosed(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == ssl::error::stream_truncated;  // TLS peer closed without close_notify
}

struct Connection {
  explicit Connection(asio::io_context& ioc) : plain(std::make_unique<beast::tcp_stream>(ioc)) {}
  Connection(asio::io_context& ioc, ssl::context& ctx) : tls(std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ctx)) {}

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <class F>
  decltype(auto) visit(F&& f) {
    return tls ? f(*tls) : f(*plain);
  }

  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool used = false;  // at least one complete exchange happened on it
};

class BeastHttpClient final : public HttpClient {
 public:
  explicit BeastHttpClient(HttpClientSettings settings) : settings_(std::move(settings)), ssl_ctx_(ssl::context::tls_client) {
    configureTls();
  }

  ~BeastHttpClient() override {
    // Close sockets without a TLS close_notify exchange: every cached connection is idle between
    // complete responses, so the server loses nothing, and a stopping daemon must not wait on peers.
    for (auto& entry : connections_) {
      beast::error_code ignored;
      entry.second->lowest().socket().close(ignored);
    }
  }

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    const Target target = parseTarget(request.url);
    const Steady::time_point deadline = Steady::now() + settings_.overall_timeout;

    auto found = connections_.find(target.key());
    if (found != connections_.end()) {
      std::unique_ptr<Connection> reused = std::move(found->second);
      connections_.erase(found);
      bool nothing_received = false;
      try {
        return exchange(std::move(reused), target, request, deadline, nothing_received);
      } catch (const TransportError&) {
        // A keep-alive connection the server closed while idle shows up only now; the request
        // never reached the application, so one fresh attempt is safe (RFC 9112 section 9.3.1).
        if (!nothing_received) throw;
      }
    }
    bool ignored = false;
    return exchange(connect(target, deadline), target, request, deadline, ignored);
  }

 private:
  void configureTls() {
    beast::error_code ec;
    ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    SSL_CTX_set_min_proto_version(ssl_ctx_.native_handle(), TLS1_2_VERSION);
    const TlsSettings& tls = settings_.tls;
    if (!tls.ca_file.empty()) {
      ssl_ctx_.load_verify_file(tls.ca_file, ec);
      if (ec) throw TransportError("tls", "cannot load CA file " + tls.ca_file + ": " + ec.message());
    }
    if (!tls.ca_dir.empty()) {
      ssl_ctx_.add_verify_path(tls.ca_dir, ec);
      if (ec) throw TransportError("tls", "cannot use CA directory " + tls.ca_dir + ": " + ec.message());
    }
    if (tls.ca_file.empty() && tls.ca_dir.empty()) {
      ssl_ctx_.set_default_verify_paths(ec);
      if (ec) throw TransportError("tls", "cannot load the system CA paths: " + ec.message());
    }
    if (!tls.client_cert_file.empty()) {
      ssl_ctx_.use_certificate_chain_file(tls.client_cert_file, ec);
      if (ec) throw TransportError("tls", "cannot load client certificate " + tls.client_cert_file + ": " + ec.message());
      ssl_ctx_.use_private_key_file(tls.client_key_file, ssl::context::pem, ec);
      // The message names the file, never its content.
      if (ec) throw TransportError("tls", "cannot load client key " + tls.client_key_file + ": " + ec.message());
    }
    ssl_ctx_.set_verify_mode(tls.verify_peer ? ssl::verify_peer : ssl::verify_none);
  }

  std::chrono::milliseconds remaining(Steady::time_point deadline) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    return std::max(left, std::chrono::milliseconds(0));
  }
  // The step's own timeout, shortened to what is left of the overall one.
  std::chrono::milliseconds stepTimeout(std::chrono::milliseconds step, Steady::time_point deadline) const {
    return std::min(step, remaining(deadline));
  }

  // Runs the io_context until the single operation started before it completes.
  void runOne() {
    ioc_.restart();
    ioc_.run();
  }

  // Resolves `host`; `what` names it in messages ("fhir.example.org", "proxy p:3128").
  tcp::resolver::results_type resolve(const std::string& host, const std::string& port, const std::string& what,
                                      Steady::time_point deadline) {
    // The resolver is not covered by tcp_stream's deadline: a timer cancels it.
    tcp::resolver resolver(ioc_);
    asio::steady_timer timer(ioc_);
    bool resolve_timed_out = false;
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    timer.expires_after(stepTimeout(settings_.connect_timeout, deadline));
    timer.async_wait([&](beast::error_code timer_ec) {
      if (timer_ec) return;  // cancelled: the resolve finished first
      resolve_timed_out = true;
      resolver.cancel();
    });
    resolver.async_resolve(host, port, [&](beast::error_code resolve_ec, tcp::resolver::results_type results) {
      ec = resolve_ec;
      endpoints = std::move(results);
      timer.cancel();
    });
    runOne();
    if (resolve_timed_out) throw TransportError("timeout", "DNS resolution of " + what + " timed out");
    if (ec) throw TransportError("dns", "cannot resolve " + what + ": " + ec.message());
    return endpoints;
  }

  // A TCP connection to the target, or to its proxy and through a CONNECT tunnel; then TLS.
  std::unique_ptr<Connection> connect(const Target& target, Steady::time_point deadline) {
    const ProxyServer* proxy = proxyFor(settings_.proxy, target.tls, target.host);
    const std::string where = proxy ? "proxy " + proxy->authority() : target.host + ":" + target.port;
    const auto endpoints = proxy ? resolve(proxy->host, proxy->port, "proxy " + proxy->host, deadline)
                                 : resolve(target.host, target.port, target.host, deadline);

    beast::error_code ec;
    auto connection = target.tls ? std::make_unique<Connection>(ioc_, ssl_ctx_) : std::make_unique<Connection>(ioc_);
    connection->lowest().expires_after(stepTimeout(settings_.connect_timeout, deadline));
    connection->lowest().async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) { ec = connect_ec; });
    runOne();
    if (isTimeout(ec)) throw TransportError("timeout", "connect to " + where + " timed out");
    if (ec) throw TransportError("connect", "cannot connect to " + where + ": " + ec.message());

    if (proxy) tunnel(connection->lowest(), target, *proxy, deadline);
    if (target.tls) handshake(*connection->tls, target, deadline);
    return connection;
  }

  // CONNECT host:port through the proxy (RFC 9110 section 9.3.6); afterwards the stream is a
  // byte pipe to the target, and TLS runs end to end over it. Bounded by the connect timeout.
  void tunnel(beast::tcp_stream& stream, const Target& target, const ProxyServer& proxy, Steady::time_point deadline) {
    const std::string where = "proxy " + proxy.authority();
    const std::string authority =
        (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" + target.port;
    const std::string& credentials = settings_.proxy.credentials.empty() ? proxy.credentials : settings_.proxy.credentials;
    const std::string request = connectRequest(authority, credentials, settings_.user_agent);
    beast::error_code ec;
    stream.expires_after(stepTimeout(settings_.connect_timeout, deadline));
    asio::async_write(stream, asio::buffer(request), [&](beast::error_code write_ec, std::size_t) { ec = write_ec; });
    runOne();
    if (!ec) {
      beast::flat_buffer buffer;
      http::response_parser<http::empty_body> parser;
      parser.header_limit(settings_.header_limit);
      http::async_read_header(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) { ec = read_ec; });
      runOne();
      if (!ec) return checkTunnelAnswer(parser.get().result_int(), buffer.size(), !credentials.empty(), where, authority);
    }
    if (isTimeout(ec)) throw TransportError("timeout", "CONNECT through " + where + " timed out");
    throw TransportError(isPeerClosed(ec) ? "reset" : "proxy", "CONNECT through " + where + " failed: " + ec.message());
  }

  static void checkTunnelAnswer(unsigned status, std::size_t early_bytes, bool sent_credentials, const std::string& where,
                                const std::string& authority) {
    if (status == 407) {
      throw TransportError("proxy_auth", where + " asks for credentials (HTTP 407)" +
                                             (sent_credentials ? std::string(": it refused those of proxy_credentials_file")
                                                               : std::string(": set [fhir] proxy_credentials_file")));
    }
    if (status / 100 != 2)
      throw TransportError("proxy", where + " refused the tunnel to " + authority + ": HTTP " + std::to_string(status));
    // Nothing may come before our first byte (the TLS ClientHello or the request).
    if (early_bytes != 0) throw TransportError("protocol", where + " sent data before the tunnel was used");
  }

  void handshake(beast::ssl_stream<beast::tcp_stream>& stream, const Target& target, Steady::time_point deadline) {
    beast::error_code ec;
    boost::system::error_code address_ec;
    asio::ip::make_address(target.host, address_ec);
    const bool is_ip = !address_ec;
    // SNI carries host names only (RFC 6066 section 3), never IP literals.
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    if (!is_ip && SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                           const_cast<char*>(target.host.c_str())) != 1) {
      throw TransportError("tls", "cannot set SNI for " + target.host);
    }
    if (settings_.tls.verify_peer) {
      // Checks the certificate's SAN DNS names, or its IP SANs when host is an address literal.
      stream.set_verify_callback(ssl::host_name_verification(target.host));
    }
    beast::get_lowest_layer(stream).expires_after(stepTimeout(settings_.connect_timeout, deadline));
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code handshake_ec) { ec = handshake_ec; });
    runOne();
    if (isTimeout(ec)) throw TransportError("timeout", "TLS handshake with " + target.host + " timed out");
    if (ec) {
      std::string detail = ec.message();
      const long verify = SSL_get_verify_result(stream.native_handle());
      if (verify != X509_V_OK) detail += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
      throw TransportError("tls", "TLS handshake with " + target.host + ":" + target.port + " failed: " + detail);
    }
  }

  [[noreturn]] void fail(const beast::error_code& ec, const std::string& step, const Target& target) {
    const std::string where = " (" + target.host + ":" + target.port + ")";
    if (isTimeout(ec)) throw TransportError("timeout", step + " timed out" + where);
    if (ec == http::error::body_limit) throw TransportError("body_limit", "response body exceeds the body limit" + where);
    if (ec == http::error::header_limit) throw TransportError("protocol", "response headers exceed the header limit" + where);
    if (isPeerClosed(ec)) throw TransportError("reset", step + ": connection closed by peer: " + ec.message() + where);
    if (isTlsError(ec)) throw TransportError("tls", step + ": " + ec.message() + where);
    if (ec.category() == beast::error_code(http::error::bad_version).category())
      throw TransportError("protocol", step + ": " + ec.message() + where);
    throw TransportError("reset", step + ": " + ec.message() + where);
  }

  // One request/response on `owned`, which is cached afterwards if both sides keep it alive.
  // On failure, `nothing_received` tells whether a reused connection had been closed by the
  // server before the request (not a single byte of the response arrived).
  HttpResponse exchange(std::unique_ptr<Connection> owned, const Target& target, const HttpRequest& request,
                        Steady::time_point deadline, bool& nothing_received) {
    Connection& connection = *owned;
    http::request<http::string_body> req;
    const http::verb verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      req.method_string(request.method);
    } else {
      req.method(verb);
    }
    req.target(target.path_and_query);
    req.version(11);
    req.set(http::field::host, target.host_header);
    req.set(http::field::user_agent, settings_.user_agent);
    for (const auto& [name, value] : request.headers)
      req.set(name, value);
    req.body() = request.body;
    if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch) {
      req.prepare_payload();
    }
    req.keep_alive(true);

    beast::error_code ec;
    std::size_t received = 0;
    connection.lowest().expires_after(stepTimeout(settings_.read_timeout, deadline));
    connection.visit(
        [&](auto& stream) { http::async_write(stream, req, [&](beast::error_code write_ec, std::size_t) { ec = write_ec; }); });
    runOne();
    if (ec) {
      nothing_received = connection.used && isPeerClosed(ec);
      fail(ec, "sending the request", target);
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(settings_.body_limit);
    parser.header_limit(settings_.header_limit);
    // A HEAD response announces a body it does not carry.
    if (verb == http::verb::head) parser.skip(true);
    connection.lowest().expires_after(stepTimeout(settings_.read_timeout, deadline));
    connection.visit([&](auto& stream) {
      http::async_read_header(stream, connection.buffer, parser, [&](beast::error_code read_ec, std::size_t n) {
        ec = read_ec;
        received = n;
      });
    });
    runOne();
    if (ec) {
      nothing_received = connection.used && received == 0 && connection.buffer.size() == 0 && isPeerClosed(ec);
      fail(ec, "reading the response headers", target);
    }
    while (!parser.is_done()) {
      connection.lowest().expires_after(stepTimeout(settings_.read_timeout, deadline));
      connection.visit([&](auto& stream) {
        http::async_read_some(stream, connection.buffer, parser, [&](beast::error_code read_ec, std::size_t) { ec = read_ec; });
      });
      runOne();
      if (ec) fail(ec, "reading the response body", target);
    }

    auto message = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto [it, inserted] = response.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());  // RFC 9110 section 5.3
    }
    response.body = std::move(message.body());

    connection.used = true;
    if (message.keep_alive()) {
      connection.lowest().expires_never();
      connections_[target.key()] = std::move(owned);
    }
    return response;
  }

  HttpClientSettings settings_;
  std::mutex mutex_;
  asio::io_context ioc_;
  ssl::context ssl_ctx_;
  std::map<std::string, std::unique_ptr<Connection>> connections_;
};

}  // namespace

std::unique_ptr<HttpClient> makeBeastHttpClient(const HttpClientSettings& settings) {
  return std::make_unique<BeastHttpClient>(settings);
}

}  // namespace fa::net

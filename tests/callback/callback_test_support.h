#pragma once
// Shared pieces of the callback tests: certificates made by the repository's own
// certs/make-dev-certs.sh at test time, a temporary store, a small blocking TLS client, and
// notification bodies shaped as HAPI, Firely and Medplum send them.
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

namespace fa::callback::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

inline std::filesystem::path tempDir(const std::string& stem) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("fa-cb-" + stem + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

struct DevCerts {
  std::filesystem::path dir;
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

// certs/make-dev-certs.sh OUTDIR, once per test binary.
inline const DevCerts& devCerts() {
  static const DevCerts certs = [] {
    DevCerts c{tempDir("certs") / "pki"};
    const std::string cmd = "bash '" FA_SOURCE_DIR "/certs/make-dev-certs.sh' '" + c.dir.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("certs/make-dev-certs.sh failed");
    return c;
  }();
  return certs;
}

struct ClientOptions {
  std::string client_cert, client_key;
  int max_version = 0;              // e.g. TLS1_1_VERSION to try an old protocol
  std::string cipher_list = "";     // TLS 1.2 suites to offer (OpenSSL syntax); "" = the defaults
  std::string source_address = "";  // e.g. "127.0.0.2": connect from another loopback address
};

// One blocking TLS connection to 127.0.0.1:port, trusting the dev CA.
class TlsClient {
 public:
  TlsClient(unsigned short port, const ClientOptions& o = {}) : ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(devCerts().file("ca.crt"));
    ctx_.set_verify_mode(ssl::verify_peer);
    if (!o.client_cert.empty()) {
      ctx_.use_certificate_chain_file(o.client_cert);
      ctx_.use_private_key_file(o.client_key, ssl::context::pem);
    }
    if (o.max_version) {
      SSL_CTX_set_min_proto_version(ctx_.native_handle(), 0);
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), o.max_version);
      SSL_CTX_set_security_level(ctx_.native_handle(), 0);  // let the client offer it: the server must refuse
      SSL_CTX_set_cipher_list(ctx_.native_handle(), "DEFAULT:@SECLEVEL=0");
    }
    if (!o.cipher_list.empty()) {
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), TLS1_2_VERSION);  // TLS 1.3 suites are not chosen this way
      SSL_CTX_set_security_level(ctx_.native_handle(), 0);
      offersCiphers_ = SSL_CTX_set_cipher_list(ctx_.native_handle(), o.cipher_list.c_str()) == 1;
    }
    source_ = o.source_address;
    port_ = port;
    stream_.emplace(ioc_, ctx_);  // after the context is set up: SSL_new copies its settings
  }
  beast::error_code connect() {
    beast::error_code ec;
    if (!source_.empty()) {
      auto& socket = beast::get_lowest_layer(*stream_).socket();
      socket.open(tcp::v4(), ec);
      if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(source_), 0), ec);
      if (ec) return ec;
    }
    beast::get_lowest_layer(*stream_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) return ec;
    static char host[] = "localhost";
    SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
    stream_->handshake(ssl::stream_base::client, ec);
    return ec;
  }
  // Sends one request on the connection and reads the answer; throws on transport errors.
  http::response<http::string_body> send(http::verb method, const std::string& target, const std::string& body,
                                         const std::string& content_type = "application/fhir+json",
                                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!body.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers)
      req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    http::write(*stream_, req);
    http::response<http::string_body> res;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16u << 20);
    http::read(*stream_, buffer_, parser);
    return parser.release();
  }
  bool offersCiphers() const { return offersCiphers_; }  // the cipher_list asked for was accepted by OpenSSL
  beast::ssl_stream<beast::tcp_stream>& stream() { return *stream_; }
  beast::flat_buffer& buffer() { return buffer_; }

 private:
  asio::io_context ioc_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  unsigned short port_ = 0;
  std::string source_;
  bool offersCiphers_ = true;
};

inline std::string observation(const std::string& id, const std::string& version, const std::string& status = "final") {
  return R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + version +
         R"(","lastUpdated":"2026-03-01T10:00:00.000+00:00"},"status":")" + status +
         R"(","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},)"
         R"("effectiveDateTime":"2026-03-01","valueQuantity":{"value":1.10,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}})";
}

// R4 Subscriptions Backport: history Bundle, Parameters status first.
inline std::string backportBundle(const std::string& type, const std::string& since,
                                  const std::vector<std::pair<std::string, std::string>>& events,
                                  const std::string& content /* empty | id-only | full-resource */) {
  std::string params = R"({"resourceType":"Parameters","parameter":[)"
                       R"({"name":"subscription","valueReference":{"reference":"https://fhir.example/fhir/Subscription/sub1"}},)"
                       R"({"name":"topic","valueCanonical":"http://example.org/topic/lab"},)"
                       R"({"name":"status","valueCode":"active"},{"name":"type","valueCode":")" +
                       type +
                       R"("},)"
                       R"({"name":"events-since-subscription-start","valueString":")" +
                       since + R"("})";
  for (const auto& [number, id] : events) {
    params += R"(,{"name":"notification-event","part":[{"name":"event-number","valueString":")" + number +
              R"("},)"
              R"({"name":"timestamp","valueInstant":"2026-03-01T10:00:00Z"})";
    if (content != "empty")
      params += R"(,{"name":"focus","valueReference":{"reference":"https://fhir.example/fhir/Observation/)" + id + R"("}})";
    params += "]}";
  }
  params += "]}";
  std::string out =
      R"({"resourceType":"Bundle","type":"history","timestamp":"2026-03-01T10:00:00Z","entry":[{"fullUrl":"urn:uuid:1","resource":)" +
      params +
      R"(,"request":{"method":"GET","url":"https://fhir.example/fhir/Subscription/sub1/$status"},"response":{"status":"200"}})";
  for (const auto& [number, id] : events) {
    if (content == "empty") continue;
    out += R"(,{"fullUrl":"https://fhir.example/fhir/Observation/)" + id + R"(")";
    if (content == "full-resource") out += R"(,"resource":)" + observation(id, "1");
    out += R"(,"request":{"method":"PUT","url":"Observation/)" + id + R"("},"response":{"status":"200"}})";
  }
  return out + "]}";
}

// R4B / R5: subscription-notification Bundle, SubscriptionStatus first.
inline std::string r5Bundle(const std::string& type, const std::string& since,
                            const std::vector<std::pair<std::string, std::string>>& events, bool full) {
  std::string status = R"({"resourceType":"SubscriptionStatus","status":"active","type":")" + type +
                       R"(","eventsSinceSubscriptionStart":")" + since +
                       R"(","subscription":{"reference":"Subscription/r5"},"topic":"http://example.org/topic/lab")";
  if (!events.empty()) {
    status += R"(,"notificationEvent":[)";
    bool first = true;
    for (const auto& [number, id] : events) {
      if (!first) status += ",";
      first = false;
      status += R"({"eventNumber":")" + number + R"(","focus":{"reference":"Observation/)" + id + R"("}})";
    }
    status += "]";
  }
  status += "}";
  std::string out =
      R"({"resourceType":"Bundle","type":"subscription-notification","entry":[{"fullUrl":"urn:uuid:2","resource":)" + status +
      "}";
  for (const auto& [number, id] : events) {
    out += R"(,{"fullUrl":"https://fhir.example/fhir/Observation/)" + id + R"(")";
    if (full) out += R"(,"resource":)" + observation(id, "1");
    out += "}";
  }
  return out + "]}";
}

}  // namespace fa::callback::test

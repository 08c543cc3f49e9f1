// The Beast side of callback_test_support.h: TlsClient and plainHttp, compiled once for every
// callback and daemon test.
#include "callback/callback_test_support.h"

#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace fa::callback::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

http::verb verbOf(Method method) {
  switch (method) {
    case Method::get:
      return http::verb::get;
    case Method::post:
      return http::verb::post;
    case Method::put:
      return http::verb::put;
  }
  throw std::logic_error("unknown Method");
}

Response responseOf(const http::response<http::string_body>& response) {
  return Response{static_cast<int>(response.result_int()), response.body(), response.keep_alive()};
}

// The client's TLS settings; false if OpenSSL refused options.cipher_list.
bool configure(ssl::context& ctx, const ClientOptions& o) {
  ctx.load_verify_file(devCerts().file("ca.crt"));
  ctx.set_verify_mode(ssl::verify_peer);
  if (!o.client_cert.empty()) {
    ctx.use_certificate_chain_file(o.client_cert);
    ctx.use_private_key_file(o.client_key, ssl::context::pem);
  }
  if (o.max_version) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), 0);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), o.max_version);
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the client offer it: the server must refuse
    SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
  }
  if (!o.cipher_list.empty()) {
    SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);  // TLS 1.3 suites are not chosen this way
    SSL_CTX_set_security_level(ctx.native_handle(), 0);
    return SSL_CTX_set_cipher_list(ctx.native_handle(), o.cipher_list.c_str()) == 1;
  }
  return true;
}

}  // namespace

namespace {

// The folders tempDir made, removed when the test binary exits (a run left hundreds in /tmp);
// by the process that made them only, not by a forked child that calls exit().
class TempDirs {
 public:
  ~TempDirs() {
    if (::getpid() != owner_) return;
    for (const auto& dir : dirs_) {
      std::error_code ignored;  // a folder a test already removed is fine
      std::filesystem::remove_all(dir, ignored);
    }
  }
  void add(std::filesystem::path dir) {
    std::lock_guard lock(mutex_);
    dirs_.push_back(std::move(dir));
  }

 private:
  const pid_t owner_ = ::getpid();
  std::mutex mutex_;
  std::vector<std::filesystem::path> dirs_;
};

}  // namespace

std::filesystem::path tempDir(const std::string& stem) {
  static TempDirs made;
  std::string pattern = (std::filesystem::temp_directory_path() / ("fa-cb-" + stem + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  made.add(pattern);
  return pattern;
}

const DevCerts& devCerts() {
  static const DevCerts certs = [] {
    DevCerts c{tempDir("certs") / "pki"};
    const std::string cmd = "bash '" FA_SOURCE_DIR "/certs/make-dev-certs.sh' '" + c.dir.string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("certs/make-dev-certs.sh failed");
    return c;
  }();
  return certs;
}

struct TlsClient::Impl {
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  unsigned short port = 0;
  std::string source;
  bool offers_ciphers = true;
};

TlsClient::TlsClient(unsigned short port, const ClientOptions& o) : impl_(std::make_unique<Impl>()) {
  impl_->offers_ciphers = configure(impl_->ctx, o);
  impl_->source = o.source_address;
  impl_->port = port;
  impl_->stream.emplace(impl_->ioc, impl_->ctx);  // after the context is set up: SSL_new copies its settings
}

TlsClient::~TlsClient() = default;

std::error_code TlsClient::connect() {
  beast::error_code ec;
  auto& stream = *impl_->stream;
  if (!impl_->source.empty()) {
    auto& socket = beast::get_lowest_layer(stream).socket();
    socket.open(tcp::v4(), ec);
    if (!ec) socket.bind(tcp::endpoint(asio::ip::make_address(impl_->source), 0), ec);
    if (ec) return ec;
  }
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port), ec);
  if (ec) return ec;
  static char host[] = "localhost";
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
  stream.handshake(ssl::stream_base::client, ec);
  return ec;
}

Response TlsClient::send(Method method, const std::string& target, const std::string& body, const std::string& content_type,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{verbOf(method), target, 11};
  req.set(http::field::host, "localhost");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  http::write(*impl_->stream, req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(16u << 20);
  http::read(*impl_->stream, impl_->buffer, parser);
  return responseOf(parser.get());
}

void TlsClient::writeRaw(const std::string& bytes) {
  asio::write(*impl_->stream, asio::buffer(bytes));
}

std::error_code TlsClient::readByte() {
  char byte;
  beast::error_code ec;
  impl_->stream->read_some(asio::buffer(&byte, 1), ec);
  return ec;
}

bool TlsClient::offersCiphers() const {
  return impl_->offers_ciphers;
}

Response plainHttp(unsigned short port, Method method, const std::string& target, std::error_code& ec) {
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{verbOf(method), target, 11};
  req.set(http::field::host, "localhost");
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  beast::error_code read_ec;
  http::read(s, b, res, read_ec);
  ec = read_ec;
  return responseOf(res);
}

}  // namespace fa::callback::test

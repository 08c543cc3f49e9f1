// TestServer's Beast implementation (test_https_server.h), compiled once for every net test.
#include "net/test_https_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <mutex>
#include <thread>
#include <type_traits>

namespace fa::net::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void close() = 0;
};

// What the server and its sessions share; sessions hold it, so it outlives the last of them.
struct State {
  ServerHandler handler;
  ServerSettings settings;
  std::atomic<int> connections{0};
  std::atomic<int> requests{0};
  mutable std::mutex mutex;
  std::vector<ServerRequest> received;
  std::vector<std::weak_ptr<SessionBase>> sessions;
};

// Beast's request as the handler sees it: header names lower-cased.
ServerRequest describe(const http::request<http::string_body>& request, int connection, const std::string& peer_subject) {
  ServerRequest seen;
  seen.method = std::string(request.method_string());
  seen.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    seen.headers[name] = std::string(field.value());
  }
  seen.body = request.body();
  seen.connection = connection;
  seen.peer_subject = peer_subject;
  return seen;
}

// The CN of the client certificate the TLS handshake received, "" if none.
std::string peerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

// One connection, on its own strand: every async call is bound to shared_from_this(), so the
// session lives until its last operation completes.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(tcp::socket&& socket, ssl::context* ctx, std::shared_ptr<State> state, int connection)
      : stream_(makeStream(std::move(socket), ctx)), state_(std::move(state)), connection_(connection) {}

  void run() { asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::start, this->shared_from_this())); }

  void close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
    });
  }

 private:
  static Stream makeStream(tcp::socket&& socket, ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      (void)ctx;
      return Stream(std::move(socket));
    }
  }

  void start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(state_->settings.idle_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::onHandshake, this->shared_from_this()));
    } else {
      doRead();
    }
  }

  void onHandshake(beast::error_code ec) {
    if (ec) return;  // the client refused us (tests of untrusted CA, wrong name, TLS 1.1)
    if constexpr (kTls) peer_subject_ = peerSubject(stream_.native_handle());
    doRead();
  }

  void doRead() {
    parser_.emplace();
    parser_->body_limit(state_->settings.request_body_limit);
    beast::get_lowest_layer(stream_).expires_after(state_->settings.idle_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onRead, this->shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    // end_of_stream: the client closed its keep-alive connection; any other error (timeout,
    // reset, closed by the destructor) also ends the session.
    if (ec) return;
    auto request = parser_->release();
    const ServerRequest seen = describe(request, connection_, peer_subject_);
    state_->requests.fetch_add(1);
    {
      std::lock_guard lock(state_->mutex);
      state_->received.push_back(seen);
    }
    const ServerReply reply = state_->handler(seen);
    switch (reply.action) {
      case ServerReply::Action::hang:
        doRead();  // waits for more bytes that never come, until the client gives up
        return;
      case ServerReply::Action::reset: {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(stream_).socket();
        socket.set_option(asio::socket_base::linger(true, 0), ignored);  // close -> RST
        socket.close(ignored);
        return;
      }
      case ServerReply::Action::respond:
      case ServerReply::Action::respond_then_close:
        respond(reply, request.keep_alive());
        return;
    }
  }

  void respond(const ServerReply& reply, bool client_keeps_alive) {
    response_.emplace(static_cast<http::status>(reply.status), 11);
    for (const auto& [name, value] : reply.headers)
      response_->set(name, value);
    response_->body() = reply.body;
    response_->keep_alive(client_keeps_alive && reply.keep_alive);
    response_->prepare_payload();
    const bool close_after = !response_->keep_alive() || reply.action == ServerReply::Action::respond_then_close;
    beast::get_lowest_layer(stream_).expires_after(state_->settings.idle_timeout);
    http::async_write(stream_, *response_, beast::bind_front_handler(&Session::onWrite, this->shared_from_this(), close_after));
  }

  void onWrite(bool close_after, beast::error_code ec, std::size_t) {
    if (ec) return;
    if (close_after) {
      // No TLS close_notify: models a server or load balancer dropping an idle connection.
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream_).socket().close(ignored);
      return;
    }
    doRead();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::shared_ptr<State> state_;
  int connection_;
  std::string peer_subject_;
};

}  // namespace

struct TestServer::Impl {
  Impl(ServerHandler handler, const std::optional<ServerTlsOptions>& tls_options, ServerSettings settings)
      : state(std::make_shared<State>()), acceptor(asio::make_strand(ioc)) {
    state->handler = std::move(handler);
    state->settings = settings;
    if (tls_options) configureTls(*tls_options);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
    doAccept();
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
      std::lock_guard lock(state->mutex);
      for (auto& weak : state->sessions) {
        if (auto session = weak.lock()) session->close();
      }
    });
    thread.join();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void configureTls(const ServerTlsOptions& options) {
    tls = true;
    ssl_ctx.emplace(ssl::context::tls_server);
    ssl_ctx->use_certificate_chain_file(options.cert_file);
    ssl_ctx->use_private_key_file(options.key_file, ssl::context::pem);
    if (options.require_client_cert) {
      ssl_ctx->load_verify_file(options.client_ca_file);
      ssl_ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    if (options.tls11_only) {
      // OpenSSL 3 allows TLS 1.0/1.1 only at security level 0.
      SSL_CTX_set_security_level(ssl_ctx->native_handle(), 0);
      SSL_CTX_set_min_proto_version(ssl_ctx->native_handle(), TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(ssl_ctx->native_handle(), TLS1_1_VERSION);
    }
  }

  template <class Stream>
  std::shared_ptr<SessionBase> startSession(tcp::socket&& socket, int index) {
    auto session = std::make_shared<Session<Stream>>(std::move(socket), tls ? &*ssl_ctx : nullptr, state, index);
    session->run();
    return session;
  }

  void doAccept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // the acceptor was closed: stop accepting
      const int index = state->connections.fetch_add(1) + 1;
      auto session = tls ? startSession<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), index)
                         : startSession<beast::tcp_stream>(std::move(socket), index);
      {
        std::lock_guard lock(state->mutex);
        state->sessions.push_back(session);
      }
      doAccept();
    });
  }

  std::shared_ptr<State> state;
  asio::io_context ioc;
  std::optional<ssl::context> ssl_ctx;
  bool tls = false;
  tcp::acceptor acceptor;
  unsigned short port = 0;
  std::thread thread;
};

TestServer::TestServer(ServerHandler handler, std::optional<ServerTlsOptions> tls, ServerSettings settings)
    : impl_(std::make_unique<Impl>(std::move(handler), tls, settings)) {}

TestServer::~TestServer() = default;

unsigned short TestServer::port() const {
  return impl_->port;
}

std::string TestServer::url(const std::string& host) const {
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port);
}

int TestServer::connections() const {
  return impl_->state->connections.load();
}

int TestServer::requests() const {
  return impl_->state->requests.load();
}

std::vector<ServerRequest> TestServer::received() const {
  std::lock_guard lock(impl_->state->mutex);
  return impl_->state->received;
}

}  // namespace fa::net::test

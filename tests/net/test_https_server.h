#pragma once
// TestServer: a small HTTP or HTTPS server for the net tests, built like Beast's server-flex
// example: one session object per connection on its own strand, every async call bound to
// shared_from_this(), a deadline before every read and write. It listens on 127.0.0.1 port 0
// and runs on one background thread.
//
// The handler decides each reply, and may also misbehave on purpose: never answer (hang),
// reset the connection, or close it right after answering while announcing keep-alive.
// Counters (connections, requests) let tests check keep-alive reuse.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/http_types.h"

namespace fa::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct ServerRequest {
  std::string method;
  std::string target;
  Headers headers;  // lower-case names
  std::string body;
  int connection = 0;        // 1-based index of the connection it came on
  std::string peer_subject;  // CN of the client certificate (mTLS), "" if none
  std::optional<std::string> header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

struct ServerReply {
  enum class Action {
    respond,             // answer normally
    hang,                // read the request, never answer
    reset,               // abort the connection (RST) instead of answering
    respond_then_close,  // answer with keep-alive, then close as if idle-timed-out
  };
  int status = 200;
  Headers headers;
  std::string body;
  Action action = Action::respond;
  bool keep_alive = true;
};

using ServerHandler = std::function<ServerReply(const ServerRequest&)>;

struct ServerTlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;        // trust for client certificates
  bool require_client_cert = false;  // mTLS
  bool tls11_only = false;           // a legacy server the client must refuse
};

struct ServerSettings {
  std::chrono::milliseconds idle_timeout{10'000};  // a session's read/write deadline
  std::size_t request_body_limit = 1u << 20;
};

class TestServer {
 public:
  explicit TestServer(ServerHandler handler, std::optional<ServerTlsOptions> tls = std::nullopt, ServerSettings settings = {})
      : state_(std::make_shared<State>()), acceptor_(asio::make_strand(ioc_)) {
    state_->handler = std::move(handler);
    state_->settings = settings;
    if (tls) configureTls(*tls);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    doAccept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  // Drains: stops accepting, closes every open session so their pending operations complete,
  // then lets the io_context run out of work.
  ~TestServer() {
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      std::lock_guard lock(state_->mutex);
      for (auto& weak : state_->sessions) {
        if (auto session = weak.lock()) session->close();
      }
    });
    thread_.join();
  }

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
  }
  int connections() const { return state_->connections.load(); }
  int requests() const { return state_->requests.load(); }
  std::vector<ServerRequest> received() const {
    std::lock_guard lock(state_->mutex);
    return state_->received;
  }

 private:
  struct SessionBase {
    virtual ~SessionBase() = default;
    virtual void close() = 0;
  };

  struct State {
    ServerHandler handler;
    ServerSettings settings;
    std::atomic<int> connections{0};
    std::atomic<int> requests{0};
    mutable std::mutex mutex;
    std::vector<ServerRequest> received;
    std::vector<std::weak_ptr<SessionBase>> sessions;
  };

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
      if constexpr (kTls) {
        if (X509* cert = SSL_get1_peer_certificate(stream_.native_handle())) {
          char cn[256] = {};
          X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
          peer_subject_ = cn;
          X509_free(cert);
        }
      }
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
      ServerRequest seen;
      seen.method = std::string(request.method_string());
      seen.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        seen.headers[name] = std::string(field.value());
      }
      seen.body = request.body();
      seen.connection = connection_;
      seen.peer_subject = peer_subject_;
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
          break;
      }
      response_.emplace(static_cast<http::status>(reply.status), 11);
      for (const auto& [name, value] : reply.headers)
        response_->set(name, value);
      response_->body() = reply.body;
      response_->keep_alive(request.keep_alive() && reply.keep_alive);
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

  void configureTls(const ServerTlsOptions& options) {
    tls_ = true;
    ssl_ctx_.emplace(ssl::context::tls_server);
    ssl_ctx_->use_certificate_chain_file(options.cert_file);
    ssl_ctx_->use_private_key_file(options.key_file, ssl::context::pem);
    if (options.require_client_cert) {
      ssl_ctx_->load_verify_file(options.client_ca_file);
      ssl_ctx_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
    if (options.tls11_only) {
      // OpenSSL 3 allows TLS 1.0/1.1 only at security level 0.
      SSL_CTX_set_security_level(ssl_ctx_->native_handle(), 0);
      SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(ssl_ctx_->native_handle(), TLS1_1_VERSION);
    }
  }

  void doAccept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // the acceptor was closed: stop accepting
      const int index = state_->connections.fetch_add(1) + 1;
      std::shared_ptr<SessionBase> session;
      if (tls_) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), &*ssl_ctx_, state_, index);
        s->run();
        session = s;
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), nullptr, state_, index);
        s->run();
        session = s;
      }
      {
        std::lock_guard lock(state_->mutex);
        state_->sessions.push_back(session);
      }
      doAccept();
    });
  }

  std::shared_ptr<State> state_;
  asio::io_context ioc_;
  std::optional<ssl::context> ssl_ctx_;
  bool tls_ = false;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace fa::net::test

#include "callback/callback_server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "callback/guarded_run.h"
#include "callback/http_messages.h"
#include "callback/notification_classifier.h"

namespace fa::callback {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Mozilla "intermediate" TLS 1.2 suites (forward secrecy, AEAD only); TLS 1.3 keeps OpenSSL's
// defaults, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::shared_ptr<ssl::context> makeContext(const CallbackServerSettings& s) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  try {
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                     ssl::context::no_compression);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx->native_handle(), kTls12Ciphers) != 1) throw std::runtime_error("cipher list refused");
    ctx->use_certificate_chain_file(s.cert_file);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot load the certificate " + s.cert_file + ": " + e.code().message());
  }
  try {
    ctx->use_private_key_file(s.key_file, ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot load the private key " + s.key_file + ": " + e.code().message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("the private key " + s.key_file + " does not match the certificate " + s.cert_file);
  if (!s.client_ca_file.empty()) {
    try {
      ctx->load_verify_file(s.client_ca_file);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot load the client CA " + s.client_ca_file + ": " + e.code().message());
    }
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.client_ca_file.c_str()))
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  // Needed for session resumption when client certificates are verified.
  static const unsigned char sid[] = "fhir-adapter-callback";
  SSL_CTX_set_session_id_context(ctx->native_handle(), sid, sizeof sid - 1);
  return ctx;
}

// The read buffer's limit: a request's headers (the parser's own header limit) plus room for a
// chunk-size line. Chunked trailers are not under the parser's header limit, so without this a
// trailer could grow without bound (and a field over 65,535 bytes throws inside Beast); with
// it, an oversized trailer is a buffer_overflow, answered 431 like oversized headers.
std::size_t readBufferLimit(const CallbackServerSettings& s) {
  return static_cast<std::size_t>(s.max_header_bytes) + 8 * 1024;
}

}  // namespace

class Session;

struct CallbackServer::Impl : std::enable_shared_from_this<CallbackServer::Impl> {
  explicit Impl(asio::io_context& io) : ioc(io) {}
  CallbackServerSettings settings;
  RequestHandler handler;
  ServerEventHandler events;
  asio::io_context& ioc;  // owned by IoOwner below, outside the cycle handlers -> sessions -> Impl
  // Keeps run() going while a handler holds a request and no I/O is pending (during stop()).
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::vector<std::thread> threads;

  std::mutex mutex;  // guards context, sessions
  std::condition_variable drained;
  std::shared_ptr<ssl::context> context;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::map<asio::ip::address, std::size_t> per_address;  // open sessions by client address
  std::atomic<bool> stopping{false};
  bool stopped = false;

  void event(const char* name) {
    if (events) events(name);
  }
  std::shared_ptr<ssl::context> currentContext() {
    std::lock_guard lock(mutex);
    return context;
  }
  void accept();
  void admit(tcp::socket socket);
  // Counts the session in; false (nothing counted) when a limit is reached.
  bool add(const std::shared_ptr<Session>& s, const asio::ip::address& from);
  void remove(Session* s, const asio::ip::address& from);
};

// One TLS connection: handshake, then requests while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, asio::ip::address from, std::shared_ptr<ssl::context> ctx,
          std::shared_ptr<CallbackServer::Impl> server)
      : ctx_(std::move(ctx)),
        stream_(std::move(socket), *ctx_),
        server_(std::move(server)),
        buffer_(readBufferLimit(server_->settings)),
        from_(std::move(from)),
        preauthDeadline_(std::chrono::steady_clock::now() + server_->settings.preauth_timeout) {}
  ~Session() {
    if (counted_) server_->remove(this, from_);
  }
  void counted() { counted_ = true; }

  void run() { asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::onRun, shared_from_this())); }

  // From stop(): an idle or handshaking connection is closed now; a request being read or
  // answered is finished, and its answer closes the connection.
  void stopGracefully() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::Handshake || self->state_ == State::Idle || self->state_ == State::Closing)
        beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  enum class State { Handshake, Idle, Reading, Busy, Closing };
  const CallbackServerSettings& settings() const { return server_->settings; }

  void onRun() {
    state_ = State::Handshake;
    beast::get_lowest_layer(stream_).expires_at(
        std::min(std::chrono::steady_clock::now() + settings().handshake_timeout, preauthDeadline_));
    // Look at the first bytes before the handshake (Beast's server-flex pattern): plain HTTP on
    // this port gets a plain 400 saying why, rather than a silent reset.
    beast::async_detect_ssl(beast::get_lowest_layer(stream_), buffer_,
                            beast::bind_front_handler(&Session::onDetect, shared_from_this()));
  }

  void onDetect(beast::error_code ec, bool tls) {
    if (ec) return server_->event("tls_handshake");  // closed or timed out before a byte came
    if (!tls) return refusePlainHttp();
    stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                            beast::bind_front_handler(&Session::onHandshake, shared_from_this()));
  }

  void refusePlainHttp() {
    server_->event("plain_http");
    static const std::string body = R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"security",)"
                                    R"("diagnostics":"this endpoint accepts HTTPS only"}]})";
    auto answer = std::make_shared<std::string>(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/fhir+json\r\n"
        "Connection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    state_ = State::Closing;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(settings().write_timeout);
    asio::async_write(tcp, asio::buffer(*answer), [self = shared_from_this(), answer](beast::error_code wec, std::size_t) {
      if (wec) return;
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->buffer_.consume(self->buffer_.size());
      self->drainPlain();
    });
  }

  // Reads and drops what the plain client still sends until it closes (bounded by the read
  // timeout and the body limit), so it reads our answer instead of a connection reset.
  void drainPlain() {
    if (lingered_ > 2 * settings().max_body_bytes) return;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(settings().read_timeout);
    tcp.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return;
      self->lingered_ += n;
      self->drainPlain();
    });
  }

  void onHandshake(beast::error_code ec, std::size_t used) {
    // TLS 1.1, no client certificate under mTLS, a timeout: all end here.
    if (ec) return server_->event("tls_handshake");
    buffer_.consume(used);
    X509* peer = SSL_get1_peer_certificate(stream_.native_handle());
    clientCertificate_ = peer && SSL_get_verify_result(stream_.native_handle()) == X509_V_OK;
    if (peer) X509_free(peer);
    readRequest();
  }

  void readRequest() {
    if (server_->stopping) return close();
    parser_.emplace();
    limitRequestParser(*parser_, settings());
    if (buffer_.size() == 0) {
      // Wait for the request's first bytes under the idle timeout (keep-alive), then give the
      // headers their own timeout. An idle connection is what stop() may close at once. The
      // first request has no idle allowance: it is due by the pre-authentication deadline.
      state_ = State::Idle;
      if (firstRequest_)
        beast::get_lowest_layer(stream_).expires_at(preauthDeadline_);
      else
        beast::get_lowest_layer(stream_).expires_after(settings().idle_timeout);
      stream_.async_read_some(buffer_.prepare(4096), beast::bind_front_handler(&Session::onIdleRead, shared_from_this()));
      return;
    }
    readHeader();
  }

  void onIdleRead(beast::error_code ec, std::size_t n) {
    // end_of_stream / stream_truncated: the client closed its idle connection: normal.
    if (ec == beast::error::timeout) server_->event(firstRequest_ ? "header_timeout" : "idle_closed");
    if (ec) return;
    buffer_.commit(n);
    readHeader();
  }

  void readHeader() {
    state_ = State::Reading;
    const auto now = std::chrono::steady_clock::now();
    if (!firstRequest_) preauthDeadline_ = now + settings().preauth_timeout;  // again from the request's first byte
    firstRequest_ = false;
    beast::get_lowest_layer(stream_).expires_at(std::min(now + settings().read_timeout, preauthDeadline_));
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onHeader, shared_from_this()));
  }

  void onHeader(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == ssl::error::stream_truncated) return;  // closed between requests
    if (ec == beast::error::timeout) return server_->event("header_timeout");            // a slow client is closed
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return reject(431, "header_limit", "request headers too large");
    if (ec == http::error::body_limit) return reject(413, "body_limit", "request body too large");
    if (ec) return reject(400, "bad_request", "malformed HTTP request");
    beast::get_lowest_layer(stream_).expires_after(settings().read_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == beast::error::timeout) return server_->event("body_timeout");
    if (ec == http::error::body_limit) return reject(413, "body_limit", "request body too large");
    if (ec == http::error::buffer_overflow) return reject(431, "header_limit", "request trailer too large");
    if (ec) return reject(400, "bad_request", "malformed HTTP request");
    state_ = State::Busy;
    http::request<http::string_body> req = parser_->release();
    keepAlive_ = req.keep_alive();
    version_ = req.version();
    ServerRequest r = toServerRequest(std::move(req), clientCertificate_, std::chrono::steady_clock::now());
    auto self = shared_from_this();
    try {
      server_->handler(std::move(r), [self](ServerResponse response) {
        asio::post(self->stream_.get_executor(),
                   [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
      });
    } catch (const std::exception&) {
      write(ServerResponse{500, "application/fhir+json", operationOutcome({500, "exception", "internal error"}), {}});
    }
  }

  void reject(int status, const char* event, const char* why) {
    server_->event(event);
    keepAlive_ = false;  // the rest of the stream cannot be trusted
    rejected_ = true;
    write(ServerResponse{
        status, "application/fhir+json", operationOutcome({status, status == 413 ? "too-long" : "invalid", why}), {}});
  }

  void write(ServerResponse response) {
    auto res = std::make_shared<BeastResponse>(toBeastResponse(std::move(response), version_, keepAlive_ && !server_->stopping));
    state_ = State::Busy;
    beast::get_lowest_layer(stream_).expires_after(settings().write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->rejected_) return self->linger();
      if (!res->keep_alive()) return self->close();
      self->readRequest();
    });
  }

  // After a 413/431/400 the client may still be sending the body it announced: read and drop it
  // (bounded by the read timeout and twice the body limit) so it can read our answer instead of
  // a connection reset; then close.
  void linger() {
    state_ = State::Closing;
    if (lingered_ > 2 * settings().max_body_bytes) return;
    buffer_.consume(buffer_.size());  // what the parser left is dropped too; prepare() stays in the limit
    beast::get_lowest_layer(stream_).expires_after(settings().read_timeout);
    stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return;  // the client closed (or went quiet): done
      self->lingered_ += n;
      self->linger();
    });
  }

  void close() {
    state_ = State::Closing;
    if (server_->stopping) {
      // Shutting down: the answer is written; do not wait for the peer's close_notify.
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    beast::get_lowest_layer(stream_).expires_after(settings().write_timeout);
    // The TLS close_notify; errors (the peer already gone) change nothing.
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<ssl::context> ctx_;  // before stream_: outlives it
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<CallbackServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::Handshake;
  bool clientCertificate_ = false;
  bool keepAlive_ = true;
  bool rejected_ = false;
  std::size_t lingered_ = 0;
  unsigned version_ = 11;
  asio::ip::address from_;
  std::chrono::steady_clock::time_point preauthDeadline_;
  bool firstRequest_ = true;
  bool counted_ = false;  // in the server's session and per-address counts
};

void CallbackServer::Impl::accept() {
  // `this`, not a shared_ptr: a handler left in the io_context at stop() must not keep the
  // context (which owns it) alive. The io threads are joined before Impl can go.
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;  // stopping
    try {
      if (!ec) admit(std::move(socket));
    } catch (...) {
      event("handler_exception");  // this connection is lost (the socket closes); the listener is not
    }
    accept();
  });
}

void CallbackServer::Impl::admit(tcp::socket socket) {
  beast::error_code ec;
  const asio::ip::address from = socket.remote_endpoint(ec).address();
  if (ec) return;  // the peer is already gone
  socket.set_option(tcp::no_delay(true), ec);
  auto session = std::make_shared<Session>(std::move(socket), from, currentContext(), shared_from_this());
  if (!add(session, from)) return;  // the session closes its socket as it goes
  session->counted();
  session->run();
}

bool CallbackServer::Impl::add(const std::shared_ptr<Session>& s, const asio::ip::address& from) {
  const char* refused = nullptr;
  {
    std::lock_guard lock(mutex);
    const auto mine = per_address.find(from);
    if (sessions.size() >= settings.max_connections)
      refused = "too_many_connections";
    else if (mine != per_address.end() && mine->second >= settings.max_connections_per_address)
      refused = "too_many_from_address";
    if (!refused) {
      ++per_address[from];
      sessions[s.get()] = s;
    }
  }
  if (refused) event(refused);  // outside the lock: the handler may take its own
  return !refused;
}

void CallbackServer::Impl::remove(Session* s, const asio::ip::address& from) {
  std::lock_guard lock(mutex);
  sessions.erase(s);
  if (auto it = per_address.find(from); it != per_address.end() && --it->second == 0) per_address.erase(it);
  if (sessions.empty()) drained.notify_all();
}

namespace {

// The io_context lives outside Impl: a handler still queued at stop() (the aborted accept, a
// session's last write) holds its session and the Impl. Were the context a member of Impl, that
// would be a cycle and both would leak (LeakSanitizer). Destroying the context here destroys the
// handlers, which releases the Impl. CallbackServer::impl_ aliases Impl but owns this.
struct IoOwner {
  asio::io_context ioc;
  std::shared_ptr<CallbackServer::Impl> impl;  // released before ioc: declared after it
};

std::shared_ptr<CallbackServer::Impl> makeImpl() {
  auto owner = std::make_shared<IoOwner>();
  owner->impl = std::make_shared<CallbackServer::Impl>(owner->ioc);
  CallbackServer::Impl* impl = owner->impl.get();
  return std::shared_ptr<CallbackServer::Impl>(std::move(owner), impl);
}

}  // namespace

CallbackServer::CallbackServer(CallbackServerSettings settings, RequestHandler handler, ServerEventHandler events)
    : impl_(makeImpl()) {
  impl_->settings = std::move(settings);
  impl_->handler = std::move(handler);
  impl_->events = std::move(events);
  impl_->context = makeContext(impl_->settings);
  const CallbackServerSettings& s = impl_->settings;
  try {
    tcp::endpoint endpoint(asio::ip::make_address(s.host == "localhost" ? "127.0.0.1" : s.host), s.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + s.host + ":" + std::to_string(s.port) + ": " + e.code().message());
  }
  impl_->accept();
  const int n = std::max(1, s.threads);
  for (int i = 0; i < n; ++i)
    impl_->threads.emplace_back([impl = impl_] { guardedRun(impl->ioc, [&impl] { impl->event("handler_exception"); }); });
}

CallbackServer::~CallbackServer() {
  stop();
}

unsigned short CallbackServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

std::size_t CallbackServer::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

void CallbackServer::reloadCertificates() {
  auto fresh = makeContext(impl_->settings);  // throws: the old context stays
  std::lock_guard lock(impl_->mutex);
  impl_->context = std::move(fresh);
}

void CallbackServer::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->stopping = true;
  std::promise<void> closed;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_, &closed] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    closed.set_value();
  });
  closed.get_future().wait();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::unique_lock lock(impl_->mutex);
    for (auto& [raw, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live)
    s->stopGracefully();
  live.clear();  // sessions must be able to end
  {
    std::unique_lock lock(impl_->mutex);
    impl_->drained.wait_for(lock, grace, [this] { return impl_->sessions.empty(); });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

}  // namespace fa::callback

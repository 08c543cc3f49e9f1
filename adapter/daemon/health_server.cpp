#include "daemon/health_server.h"

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "callback/guarded_run.h"

namespace fa::daemon {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::size_t kBodyLimit = 8 * 1024;  // the endpoints take no body
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
// Bounds chunked trailers too, which the parser's header limit does not (callback_server.cpp).
constexpr std::size_t kBufferLimit = kHeaderLimit + 8 * 1024;

// One connection: read a request, answer, repeat while keep-alive (Beast's http server pattern).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const HealthHandlers& handlers)
      : stream_(std::move(socket)), buffer_(kBufferLimit), handlers_(handlers) {}

  void start() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::doRead, shared_from_this())); }

 private:
  void doRead() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return close();  // the client closed: normal
    if (ec) return;                                        // timeout or garbage: drop the connection
    const auto& req = parser_->get();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(req.keep_alive());
    res->set(http::field::server, "fhir-adapter");
    try {
      answer(req, *res);
    } catch (const std::exception&) {
      // A handler failed (metrics or readiness): this request gets a 500, the listener goes on.
      res->result(http::status::internal_server_error);
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = "internal error\n";
    }
    if (!res->has_content_length() && res->find(http::field::content_type) == res->end())
      res->set(http::field::content_type, "text/plain; charset=utf-8");
    res->prepare_payload();
    stream_.expires_after(kTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code wec, std::size_t) {
      if (wec) return;
      if (!res->keep_alive()) return self->close();
      self->doRead();
    });
  }

  void answer(const http::request<http::string_body>& req, http::response<http::string_body>& res) {
    std::string target(req.target());
    if (auto q = target.find('?'); q != std::string::npos) target = target.substr(0, q);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.body() = "method not allowed\n";
    } else if (target == "/healthz") {
      res.result(http::status::ok);
      res.body() = "ok\n";
    } else if (target == "/readyz") {
      auto [ready, reason] = handlers_.ready();
      res.result(ready ? http::status::ok : http::status::service_unavailable);
      res.body() = reason + "\n";
    } else if (target == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = handlers_.metrics();
    } else {
      res.result(http::status::not_found);
      res.body() = "not found: try /healthz, /readyz or /metrics\n";
    }
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HealthHandlers& handlers_;
};

}  // namespace

struct HealthServer::Impl {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  HealthHandlers handlers;
  std::thread thread;

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;  // stopping
      try {
        if (!ec) std::make_shared<Session>(std::move(socket), handlers)->start();
      } catch (...) {
        // That connection is lost (its socket closes); the listener is re-armed below.
      }
      accept();
    });
  }
};

HealthServer::HealthServer(const HostPort& listen, HealthHandlers handlers) : impl_(std::make_unique<Impl>()) {
  impl_->handlers = std::move(handlers);
  try {
    tcp::endpoint endpoint(net::ip::make_address(listen.host == "localhost" ? "127.0.0.1" : listen.host), listen.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    // The same words as check-config (preflight.h) and the callback receiver.
    throw std::runtime_error("cannot listen on " + listen.host + ":" + std::to_string(listen.port) + ": " + e.code().message());
  }
  impl_->accept();
  // An exception out of a handler (some come from inside Beast) drops that connection only.
  impl_->thread = std::thread([this] { callback::guardedRun(impl_->ioc, {}); });
}

HealthServer::~HealthServer() {
  stop();
}

unsigned short HealthServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void HealthServer::stop() {
  if (!impl_->thread.joinable()) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->ioc.stop();
  });
  impl_->thread.join();
}

}  // namespace fa::daemon

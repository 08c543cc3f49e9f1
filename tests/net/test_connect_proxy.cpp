// ConnectProxy's Asio implementation (test_connect_proxy.h), compiled once for every net test.
#include "net/test_connect_proxy.h"

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <mutex>
#include <thread>

namespace fa::net::test {
namespace {

using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

struct Tunnel : std::enable_shared_from_this<Tunnel> {
  explicit Tunnel(tcp::socket socket) : client(std::move(socket)), upstream(client.get_executor()) {}
  tcp::socket client;
  tcp::socket upstream;
  boost::asio::streambuf head;
  std::string answer;
  std::size_t index = 0;  // into ProxyRecord::client_bytes
  std::array<char, 16384> up{}, down{};
};

std::optional<std::string> headerValue(const std::string& head, const std::string& lower_name) {
  std::string lowered = head;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lowered.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return std::nullopt;
  const auto start = head.find_first_not_of(' ', at + 3 + lower_name.size());
  return head.substr(start, head.find("\r\n", start) - start);
}

}  // namespace

struct ConnectProxy::Impl {
  explicit Impl(ProxyOptions proxy_options) : options(std::move(proxy_options)), acceptor(ioc) {
    const tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    accept();
    thread = std::thread([this] { ioc.run(); });
  }
  ~Impl() {
    ioc.stop();
    thread.join();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      auto tunnel = std::make_shared<Tunnel>(std::move(socket));
      boost::asio::async_read_until(tunnel->client, tunnel->head, "\r\n\r\n",
                                    [this, tunnel](error_code read_ec, std::size_t n) { onHead(tunnel, read_ec, n); });
      accept();
    });
  }

  void onHead(const std::shared_ptr<Tunnel>& t, error_code ec, std::size_t n) {
    if (ec) return;
    const std::string head(boost::asio::buffers_begin(t->head.data()),
                           boost::asio::buffers_begin(t->head.data()) + static_cast<std::ptrdiff_t>(n));
    t->head.consume(n);
    const std::string line = head.substr(0, head.find("\r\n"));
    const auto authorization = headerValue(head, "proxy-authorization");
    {
      std::lock_guard lock(mutex);
      record.connect_lines.push_back(line);
      record.authorizations.push_back(authorization);
    }
    if (line.rfind("CONNECT ", 0) != 0) return reject(t, "405 Method Not Allowed");
    if (!options.required_authorization.empty() && authorization != options.required_authorization)
      return reject(t, "407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"");
    if (options.refuse_status != 0) return reject(t, std::to_string(options.refuse_status) + " Refused");
    connectUpstream(t, line.substr(8, line.find(' ', 8) - 8));
  }

  // authority: "host:port" or "[v6]:port", from the CONNECT line.
  void connectUpstream(const std::shared_ptr<Tunnel>& t, const std::string& authority) {
    const auto colon = authority.rfind(':');
    std::string host = authority.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    tcp::resolver resolver(ioc);
    error_code resolve_ec;
    const auto endpoints = resolver.resolve(host, authority.substr(colon + 1), resolve_ec);
    if (resolve_ec) return reject(t, "502 Bad Gateway");
    boost::asio::async_connect(t->upstream, endpoints, [this, t](error_code connect_ec, const tcp::endpoint&) {
      if (connect_ec) return reject(t, "502 Bad Gateway");
      open(t);
    });
  }

  void reject(const std::shared_ptr<Tunnel>& t, const std::string& status) {
    t->answer = "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    boost::asio::async_write(t->client, boost::asio::buffer(t->answer), [t](error_code, std::size_t) {
      error_code ignored;
      t->client.shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  void open(const std::shared_ptr<Tunnel>& t) {
    {
      std::lock_guard lock(mutex);
      t->index = record.client_bytes.size();
      // Bytes that came with the CONNECT head (a client must not send them) count as the tunnel's.
      record.client_bytes.emplace_back(boost::asio::buffers_begin(t->head.data()), boost::asio::buffers_end(t->head.data()));
    }
    t->answer = "HTTP/1.1 200 Connection established\r\n\r\n";
    boost::asio::async_write(t->client, boost::asio::buffer(t->answer), [this, t](error_code ec, std::size_t) {
      if (ec) return;
      pump(t, true);
      pump(t, false);
    });
  }

  // One direction of the tunnel: client -> upstream (recorded) or upstream -> client.
  void pump(const std::shared_ptr<Tunnel>& t, bool from_client) {
    tcp::socket& from = from_client ? t->client : t->upstream;
    auto& buffer = from_client ? t->up : t->down;
    from.async_read_some(boost::asio::buffer(buffer), [this, t, from_client](error_code ec, std::size_t n) {
      tcp::socket& to = from_client ? t->upstream : t->client;
      if (ec) {
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      auto& data = from_client ? t->up : t->down;
      if (from_client) {
        std::lock_guard lock(mutex);
        record.client_bytes[t->index].append(data.data(), n);
      }
      boost::asio::async_write(to, boost::asio::buffer(data.data(), n), [this, t, from_client](error_code write_ec, std::size_t) {
        if (!write_ec) pump(t, from_client);
      });
    });
  }

  ProxyOptions options;
  boost::asio::io_context ioc;
  tcp::acceptor acceptor;
  unsigned short port = 0;
  std::thread thread;
  std::mutex mutex;
  ProxyRecord record;
};

ConnectProxy::ConnectProxy(ProxyOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ConnectProxy::~ConnectProxy() = default;

unsigned short ConnectProxy::port() const {
  return impl_->port;
}

ProxyRecord ConnectProxy::record() {
  std::lock_guard lock(impl_->mutex);
  return impl_->record;
}

}  // namespace fa::net::test

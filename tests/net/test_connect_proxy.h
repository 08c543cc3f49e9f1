#pragma once
// ConnectProxy: a small HTTP CONNECT proxy on 127.0.0.1 (port 0) for the net tests. It records
// what passes through it: each CONNECT line, its Proxy-Authorization header, and every byte the
// client sent into a tunnel, so tests can check that the tunnel carried TLS (first byte 0x16, a
// handshake record) and never the plaintext request. It can ask for credentials (407) or refuse
// every tunnel with a status. Runs on one background thread; the destructor stops it.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fa::net::test {

struct ProxyOptions {
  std::string required_authorization;  // e.g. "Basic YWxp..."; "" = no credentials asked for
  int refuse_status = 0;               // answer every CONNECT with this status; 0 = open tunnels
};

struct ProxyRecord {
  std::vector<std::string> connect_lines;  // "CONNECT host:port HTTP/1.1"
  std::vector<std::optional<std::string>> authorizations;
  std::vector<std::string> client_bytes;  // per opened tunnel: what the client sent through it
};

class ConnectProxy {
 public:
  explicit ConnectProxy(ProxyOptions options = {}) : options_(std::move(options)), acceptor_(ioc_) {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ConnectProxy() {
    ioc_.stop();
    thread_.join();
  }
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  unsigned short port() const { return port_; }
  ProxyRecord record() {
    std::lock_guard lock(mutex_);
    return record_;
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;

  struct Tunnel : std::enable_shared_from_this<Tunnel> {
    explicit Tunnel(tcp::socket socket) : client(std::move(socket)), upstream(client.get_executor()) {}
    tcp::socket client;
    tcp::socket upstream;
    boost::asio::streambuf head;
    std::string answer;
    std::size_t index = 0;  // into record_.client_bytes
    std::array<char, 16384> up{}, down{};
  };

  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      auto tunnel = std::make_shared<Tunnel>(std::move(socket));
      boost::asio::async_read_until(tunnel->client, tunnel->head, "\r\n\r\n",
                                    [this, tunnel](error_code read_ec, std::size_t n) { onHead(tunnel, read_ec, n); });
      accept();
    });
  }

  static std::optional<std::string> headerValue(const std::string& head, const std::string& lower_name) {
    std::string lowered = head;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lowered.find("\r\n" + lower_name + ":");
    if (at == std::string::npos) return std::nullopt;
    const auto start = head.find_first_not_of(' ', at + 3 + lower_name.size());
    return head.substr(start, head.find("\r\n", start) - start);
  }

  void onHead(const std::shared_ptr<Tunnel>& t, error_code ec, std::size_t n) {
    if (ec) return;
    const std::string head(boost::asio::buffers_begin(t->head.data()),
                           boost::asio::buffers_begin(t->head.data()) + static_cast<std::ptrdiff_t>(n));
    t->head.consume(n);
    const std::string line = head.substr(0, head.find("\r\n"));
    const auto authorization = headerValue(head, "proxy-authorization");
    {
      std::lock_guard lock(mutex_);
      record_.connect_lines.push_back(line);
      record_.authorizations.push_back(authorization);
    }
    if (line.rfind("CONNECT ", 0) != 0) return reject(t, "405 Method Not Allowed");
    if (!options_.required_authorization.empty() && authorization != options_.required_authorization)
      return reject(t, "407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"");
    if (options_.refuse_status != 0) return reject(t, std::to_string(options_.refuse_status) + " Refused");
    const std::string authority = line.substr(8, line.find(' ', 8) - 8);
    const auto colon = authority.rfind(':');
    std::string host = authority.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    tcp::resolver resolver(ioc_);
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
      std::lock_guard lock(mutex_);
      t->index = record_.client_bytes.size();
      // Bytes that came with the CONNECT head (a client must not send them) count as the tunnel's.
      record_.client_bytes.emplace_back(boost::asio::buffers_begin(t->head.data()), boost::asio::buffers_end(t->head.data()));
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
        std::lock_guard lock(mutex_);
        record_.client_bytes[t->index].append(data.data(), n);
      }
      boost::asio::async_write(to, boost::asio::buffer(data.data(), n), [this, t, from_client](error_code write_ec, std::size_t) {
        if (!write_ec) pump(t, from_client);
      });
    });
  }

  ProxyOptions options_;
  boost::asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  ProxyRecord record_;
};

}  // namespace fa::net::test

#pragma once
// ConnectProxy: a small HTTP CONNECT proxy on 127.0.0.1 (port 0) for the net tests. It records
// what passes through it: each CONNECT line, its Proxy-Authorization header, and every byte the
// client sent into a tunnel, so tests can check that the tunnel carried TLS (first byte 0x16, a
// handshake record) and never the plaintext request. It can ask for credentials (407) or refuse
// every tunnel with a status. Runs on one background thread; the destructor stops it.
//
// Declarations only: the Asio implementation (test_connect_proxy.cpp) is compiled once, in the
// fa_net_test_support library.
#include <memory>
#include <optional>
#include <string>
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
  explicit ConnectProxy(ProxyOptions options = {});
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  unsigned short port() const;
  ProxyRecord record();

 private:
  struct Impl;  // the io_context, acceptor, tunnels and thread
  std::unique_ptr<Impl> impl_;
};

}  // namespace fa::net::test

#pragma once
// TestServer: a small HTTP or HTTPS server for the net tests, built like Beast's server-flex
// example (test_https_server.cpp): one session object per connection on its own strand, a
// deadline before every read and write. It listens on 127.0.0.1 port 0 and runs on one
// background thread.
//
// The handler decides each reply, and may also misbehave on purpose: never answer (hang),
// reset the connection, or close it right after answering while announcing keep-alive.
// Counters (connections, requests) let tests check keep-alive reuse.
//
// Declarations only: the Beast implementation is compiled once, in the fa_net_test_support
// library, instead of in every test file that starts a server (about 30 s of CPU each).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http_types.h"

namespace fa::net::test {

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
  // Listening and serving when it returns; the handler runs on the server's thread.
  explicit TestServer(ServerHandler handler, std::optional<ServerTlsOptions> tls = std::nullopt, ServerSettings settings = {});
  // Drains: stops accepting, closes every open session so their pending operations complete,
  // then lets the server's thread run out of work and joins it.
  ~TestServer();

  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  unsigned short port() const;
  std::string url(const std::string& host = "127.0.0.1") const;
  int connections() const;
  int requests() const;
  std::vector<ServerRequest> received() const;

 private:
  struct Impl;  // the io_context, acceptor, TLS context and thread
  std::unique_ptr<Impl> impl_;
};

}  // namespace fa::net::test

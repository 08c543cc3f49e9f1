#pragma once
// A hostile client for the receiver tests: it connects (over TLS, or plain TCP to send TLS
// garbage), writes arbitrary bytes, and reads whatever comes back until the server closes the
// connection. Every step is asynchronous on its own io_context, bounded by run_for(limit): a
// server that never answers makes the exchange end with `closed` false, never a hung test.
// The Beast side is in hostile_client.cpp (the fa_callback_test_support library).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "callback/callback_test_support.h"

namespace fa::callback::test {

struct Exchange {
  bool connected = false;  // TCP connect (and the TLS handshake, over TLS) succeeded
  bool closed = false;     // the server closed the connection within the limit
  std::string received;    // every byte the server sent (decrypted, over TLS)
  std::string status() const { return received.substr(0, received.find("\r\n")); }  // "HTTP/1.1 431 ..."
  // How many answers the server sent (each starts with a status line).
  std::size_t answers() const {
    std::size_t n = 0;
    for (auto at = received.find("HTTP/1.1 "); at != std::string::npos; at = received.find("HTTP/1.1 ", at + 1))
      ++n;
    return n;
  }
};

enum class Transport { Tls, PlainTcp };

class HostileClient {
 public:
  HostileClient(unsigned short port, Transport transport);
  ~HostileClient();
  HostileClient(const HostileClient&) = delete;
  HostileClient& operator=(const HostileClient&) = delete;

  // Writes each piece in turn (one write each), then reads until the server closes.
  Exchange run(std::vector<std::string> pieces, std::chrono::milliseconds limit = std::chrono::seconds(10));

 private:
  struct Impl;  // the io_context, TLS context, stream and the exchange so far
  std::unique_ptr<Impl> impl_;
};

inline Exchange hostile(unsigned short port, std::vector<std::string> pieces, Transport t = Transport::Tls) {
  return HostileClient(port, t).run(std::move(pieces));
}

}  // namespace fa::callback::test

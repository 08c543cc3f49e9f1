#pragma once
// A hostile client for the receiver tests: it connects (over TLS, or plain TCP to send TLS
// garbage), writes arbitrary bytes, and reads whatever comes back until the server closes the
// connection. Every step is asynchronous on its own io_context, bounded by run_for(limit): a
// server that never answers makes the exchange end with `closed` false, never a hung test.
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
  HostileClient(unsigned short port, Transport transport) : port_(port), transport_(transport) {
    ctx_.load_verify_file(devCerts().file("ca.crt"));
    ctx_.set_verify_mode(ssl::verify_peer);
    stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, ctx_);
  }

  // Writes each piece in turn (one write each), then reads until the server closes.
  Exchange run(std::vector<std::string> pieces, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    pieces_ = std::move(pieces);
    beast::get_lowest_layer(*stream_).async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), [this](beast::error_code ec) {
          if (ec) return;
          if (transport_ == Transport::PlainTcp) return connected();
          static char host[] = "localhost";
          SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
          stream_->async_handshake(ssl::stream_base::client, [this](beast::error_code hec) {
            if (!hec) connected();
          });
        });
    ioc_.run_for(limit);
    return result_;
  }

 private:
  void connected() {
    result_.connected = true;
    writeNext();
  }
  void writeNext() {
    if (next_ == pieces_.size()) return readMore();
    const std::string& piece = pieces_[next_++];
    auto done = [this](beast::error_code ec, std::size_t) {
      if (ec) return readMore();  // the server may already have answered and closed
      writeNext();
    };
    if (transport_ == Transport::PlainTcp)
      asio::async_write(beast::get_lowest_layer(*stream_), asio::buffer(piece), done);
    else
      asio::async_write(*stream_, asio::buffer(piece), done);
  }
  void readMore() {
    auto done = [this](beast::error_code ec, std::size_t n) {
      result_.received.append(chunk_, n);
      if (ec) {
        result_.closed = true;  // end of stream, truncation or reset: the server is done with us
        return;
      }
      readMore();
    };
    if (transport_ == Transport::PlainTcp)
      beast::get_lowest_layer(*stream_).async_read_some(asio::buffer(chunk_), done);
    else
      stream_->async_read_some(asio::buffer(chunk_), done);
  }

  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  unsigned short port_;
  Transport transport_;
  std::vector<std::string> pieces_;
  std::size_t next_ = 0;
  char chunk_[16 * 1024];
  Exchange result_;
};

inline Exchange hostile(unsigned short port, std::vector<std::string> pieces, Transport t = Transport::Tls) {
  return HostileClient(port, t).run(std::move(pieces));
}

}  // namespace fa::callback::test

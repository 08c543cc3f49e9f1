// HostileClient's Beast implementation (hostile_client.h), compiled once for the callback and
// daemon tests.
#include "callback/hostile_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace fa::callback::test {

namespace beast = boost::beast;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct HostileClient::Impl {
  Impl(unsigned short server_port, Transport how) : port(server_port), transport(how) {
    ctx.load_verify_file(devCerts().file("ca.crt"));
    ctx.set_verify_mode(ssl::verify_peer);
    stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, ctx);
  }

  void start() {
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
    beast::get_lowest_layer(*stream).async_connect(server, [this](beast::error_code ec) {
      if (ec) return;
      if (transport == Transport::PlainTcp) return connected();
      handshake();
    });
  }
  void handshake() {
    static char host[] = "localhost";
    SSL_ctrl(stream->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host);
    stream->async_handshake(ssl::stream_base::client, [this](beast::error_code ec) {
      if (!ec) connected();
    });
  }
  void connected() {
    result.connected = true;
    writeNext();
  }
  void writeNext() {
    if (next == pieces.size()) return readMore();
    const std::string& piece = pieces[next++];
    auto done = [this](beast::error_code ec, std::size_t) {
      if (ec) return readMore();  // the server may already have answered and closed
      writeNext();
    };
    if (transport == Transport::PlainTcp)
      asio::async_write(beast::get_lowest_layer(*stream), asio::buffer(piece), done);
    else
      asio::async_write(*stream, asio::buffer(piece), done);
  }
  void readMore() {
    auto done = [this](beast::error_code ec, std::size_t n) {
      result.received.append(chunk, n);
      if (ec) {
        result.closed = true;  // end of stream, truncation or reset: the server is done with us
        return;
      }
      readMore();
    };
    if (transport == Transport::PlainTcp)
      beast::get_lowest_layer(*stream).async_read_some(asio::buffer(chunk), done);
    else
      stream->async_read_some(asio::buffer(chunk), done);
  }

  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  unsigned short port;
  Transport transport;
  std::vector<std::string> pieces;
  std::size_t next = 0;
  char chunk[16 * 1024];
  Exchange result;
};

HostileClient::HostileClient(unsigned short port, Transport transport) : impl_(std::make_unique<Impl>(port, transport)) {}

HostileClient::~HostileClient() = default;

Exchange HostileClient::run(std::vector<std::string> pieces, std::chrono::milliseconds limit) {
  impl_->pieces = std::move(pieces);
  impl_->start();
  impl_->ioc.run_for(limit);
  return impl_->result;
}

}  // namespace fa::callback::test

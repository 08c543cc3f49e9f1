// The health listener under hostile requests: what fails costs that request or connection, and
// /healthz answers after each (the same guard as the receiver, callback/guarded_run.h).
#include "daemon/health_server.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "callback/hostile_client.h"

namespace fa::daemon {
namespace {

using callback::test::Exchange;
using callback::test::HostileClient;
using callback::test::Transport;

Exchange get(unsigned short port, const std::string& raw) {
  return HostileClient(port, Transport::PlainTcp).run({raw}, std::chrono::seconds(10));
}

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

TEST(HealthServer, AFailingHandlerIsA500AndTheListenerGoesOn) {
  HealthHandlers handlers;
  handlers.metrics = []() -> std::string { throw std::runtime_error("metrics broke"); };
  handlers.ready = [] { return std::pair<bool, std::string>{true, "ready"}; };
  HealthServer server({"127.0.0.1", 0}, handlers);
  Exchange m = get(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(m.status(), "HTTP/1.1 500 Internal Server Error");
  EXPECT_EQ(get(server.port(), kHealthz).status(), "HTTP/1.1 200 OK");
}

// Trailers past the read buffer (8 KiB headers + 8 KiB), a trailer field past Beast's 65,535
// bytes, headers past the limit, garbage: each connection is dropped, the next is served.
TEST(HealthServer, OversizedAndMalformedRequestsCostTheirConnectionOnly) {
  HealthHandlers handlers;
  handlers.metrics = [] { return std::string("m 1\n"); };
  handlers.ready = [] { return std::pair<bool, std::string>{true, "ready"}; };
  HealthServer server({"127.0.0.1", 0}, handlers);
  const std::string chunked = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (const std::string& raw :
       {chunked + "X-T: " + std::string(70'000, 'a') + "\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n", std::string("\x01\x02garbage\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")}) {
    Exchange e = get(server.port(), raw);
    EXPECT_TRUE(e.closed);
    EXPECT_EQ(e.answers(), 0u) << e.received;
    EXPECT_EQ(get(server.port(), kHealthz).status(), "HTTP/1.1 200 OK");
  }
}

}  // namespace
}  // namespace fa::daemon

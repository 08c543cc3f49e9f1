// The receiver lets go of everything it holds once stopped and destroyed: its handlers, sessions
// and io_context. A handler still queued in the io_context at stop() used to hold the server's
// internals, which owned that io_context: a reference cycle LeakSanitizer reported (issue 12).
#include <gtest/gtest.h>

#include <memory>

#include "callback/callback_server.h"
#include "callback/callback_test_support.h"

namespace fa::callback {
namespace {

using namespace test;

TEST(CallbackServerLifetime, DestroyingTheServerReleasesItsHandler) {
  auto handled = std::make_shared<int>(0);
  CallbackServerSettings s;
  s.host = "127.0.0.1";
  s.port = 0;
  s.cert_file = devCerts().file("server.crt");
  s.key_file = devCerts().file("server.key");
  {
    CallbackServer server(s, [handled](ServerRequest&&, Responder respond) {
      ++*handled;
      respond(ServerResponse{200, "", "", {}});
    });
    // One connection served, one idle (a session with a read pending) when stop() comes.
    TlsClient served(server.port());
    ASSERT_FALSE(served.connect());
    EXPECT_EQ(served.send(Method::post, "/notify", "").result_int(), 200);
    TlsClient idle(server.port());
    ASSERT_FALSE(idle.connect());
    server.stop();
  }
  EXPECT_EQ(*handled, 1);
  // Only this test holds `handled` now: the handler's copy went with the server.
  EXPECT_EQ(handled.use_count(), 1);
}

}  // namespace
}  // namespace fa::callback

#pragma once
// ConsoleServer: the review console on HTTPS, with the receiver's Beast server
// (callback/callback_server.h: a strand per connection, timeouts before every operation, body
// and header limits, TLS 1.2 or later; plain HTTP on the port is answered 400 and closed).
// The daemon starts it when `[review]` is present.
#include <memory>

#include "callback/callback_server.h"
#include "console/console_app.h"

namespace fa::console {

class ConsoleServer {
 public:
  // Binds and starts; throws std::runtime_error (certificate, key or address problems).
  explicit ConsoleServer(ConsoleContext ctx, callback::ServerEventHandler events = {});
  ~ConsoleServer();
  unsigned short port() const;
  void stop();

 private:
  std::shared_ptr<ConsoleApp> app_;
  std::unique_ptr<callback::CallbackServer> server_;
};

}  // namespace fa::console

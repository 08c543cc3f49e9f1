#include "console/console_server.h"

namespace fa::console {

ConsoleServer::ConsoleServer(ConsoleContext ctx, callback::ServerEventHandler events) : app_(std::make_shared<ConsoleApp>(ctx)) {
  auto handler = [app = app_](callback::ServerRequest&& request, callback::Responder respond) {
    callback::ServerResponse res = app->handle(request);
    respond(std::move(res));
  };
  server_ = std::make_unique<callback::CallbackServer>(ctx.settings.server, std::move(handler), std::move(events));
}

ConsoleServer::~ConsoleServer() {
  stop();
}

unsigned short ConsoleServer::port() const {
  return server_->port();
}

void ConsoleServer::stop() {
  if (server_) server_->stop();
}

}  // namespace fa::console

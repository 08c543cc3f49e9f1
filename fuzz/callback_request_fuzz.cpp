// The receiver's request path without sockets: raw bytes as they arrive after the TLS layer,
// through a Beast request parser with the receiver's limits (callback/http_messages.h, the
// functions the server calls: a fresh parser per request, keep-alive requests one after
// another), the ServerRequest and the written response the server builds, and NotificationIntake
// twice: with no caller check, and with a bearer token and an HMAC secret required. The queue is
// stopped, so what would be stored is answered 503 instead of filling a store on every run.
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <boost/beast/http.hpp>

#include "callback/http_messages.h"
#include "callback/notification_intake.h"
#include "harnesses.h"
#include "scratch_dir.h"

namespace fa::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

void check(bool condition) {
  if (!condition) std::abort();
}

struct Receiver {
  Receiver() : queue((scratchDir() / "callback-store.sqlite").string(), 1) { queue.stop(); }
  callback::NotificationQueue queue;
  callback::NotificationIntake open{"/notify", callback::CallerAuth({}), queue};
  callback::NotificationIntake guarded{"/notify", callback::CallerAuth({"fuzz-token", "fuzz-secret"}), queue};
};

Receiver& receiver() {
  static Receiver r;
  return r;
}

// One request from the front of `input` (consumed); nullopt when the parser refuses it, as the
// server answers 400/413/431 and closes. A parser exception (Beast throws std::length_error
// for an over-long field) costs the connection only: the receiver catches it at the edge of its
// handlers (issue 12), so it ends this input here too.
std::optional<http::request<http::string_body>> parseOne(std::string_view& input) {
  http::request_parser<http::string_body> parser;
  callback::limitRequestParser(parser, callback::CallbackServerSettings{});
  parser.eager(true);
  beast::error_code ec;
  try {
    while (!input.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec == http::error::need_more) {
        // All the input was offered: the rest is an incomplete piece and the peer closed.
        // Offering the same bytes again is outside Beast's contract (put() again only with more
        // data, as async_read does) and trips its assertion n >= 5 on a final chunk "0s\r\n".
        ec = {};
        break;
      }
      if (ec) return std::nullopt;
    }
    if (!parser.is_done()) parser.put_eof(ec);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (ec || !parser.is_done()) return std::nullopt;
  return parser.release();
}

// The answer as the server writes it; each request is answered exactly once.
void handle(callback::NotificationIntake& intake, callback::ServerRequest request, unsigned version) {
  int answers = 0;
  intake.handle(std::move(request), [&](callback::ServerResponse response) {
    ++answers;
    const callback::BeastResponse res = callback::toBeastResponse(std::move(response), version, true);
    std::ostringstream wire;
    wire << res;
  });
  check(answers == 1);
}

}  // namespace

int fuzzCallbackRequest(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int requestNumber = 0; requestNumber < 4 && !input.empty(); ++requestNumber) {
    auto req = parseOne(input);
    if (!req) return 0;
    const unsigned version = req->version();
    const bool keepAlive = req->keep_alive();
    const callback::ServerRequest request = callback::toServerRequest(std::move(*req), false, std::chrono::steady_clock::now());
    handle(receiver().open, request, version);
    handle(receiver().guarded, request, version);
    if (!keepAlive) return 0;
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzCallbackRequest)

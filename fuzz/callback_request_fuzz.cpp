// The receiver's request path without sockets: raw bytes as they arrive after the TLS layer,
// through a Beast request parser with the receiver's limits (callback/callback_server.cpp:
// a fresh parser per request, keep-alive requests one after another), the ServerRequest the
// server builds (lower-case header names, repeated ones joined with ","), and NotificationIntake
// twice: with no caller check, and with a bearer token and an HMAC secret required. The queue is
// stopped, so what would be stored is answered 503 instead of filling a store on every run.
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <boost/beast/http.hpp>

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
  const callback::CallbackServerSettings limits;
  parser.body_limit(limits.max_body_bytes);
  parser.header_limit(limits.max_header_bytes);
  parser.eager(true);
  beast::error_code ec;
  try {
    while (!input.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec == http::error::need_more) {
        ec = {};
        if (used == 0) break;  // the rest is an incomplete piece: the peer closed
        continue;
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

callback::ServerRequest toServerRequest(http::request<http::string_body>& req) {
  callback::ServerRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += "," + std::string(field.value());
  }
  r.body = std::move(req.body());
  r.received = std::chrono::steady_clock::now();
  return r;
}

// The answer as the server writes it; each request is answered exactly once.
void handle(callback::NotificationIntake& intake, callback::ServerRequest request, unsigned version) {
  int answers = 0;
  intake.handle(std::move(request), [&](callback::ServerResponse response) {
    ++answers;
    http::response<http::string_body> res(static_cast<http::status>(response.status), version);
    if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers)
      res.set(name, value);
    res.body() = std::move(response.body);
    res.prepare_payload();
    std::ostringstream wire;
    wire << res;
  });
  check(answers == 1);
}

}  // namespace

int fuzzCallbackRequest(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int keepAlive = 0; keepAlive < 4 && !input.empty(); ++keepAlive) {
    auto req = parseOne(input);
    if (!req) return 0;
    const callback::ServerRequest request = toServerRequest(*req);
    handle(receiver().open, request, req->version());
    handle(receiver().guarded, request, req->version());
    if (!req->keep_alive()) return 0;
  }
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzCallbackRequest)

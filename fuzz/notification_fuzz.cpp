// Subscription notification classification (callback/notification_classifier.h), fed what the
// receiver hands it after authentication. Input: a first line "METHOD TARGET CONTENT-TYPE"
// (space separated; missing parts are empty), then the body. A Problem always carries an HTTP
// status of the documented set and renders as an OperationOutcome.
#include <cstdlib>
#include <string>
#include <string_view>

#include "callback/notification_classifier.h"
#include "harnesses.h"

namespace fa::fuzz {
namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// The next space-separated word of `line`, removed from it.
std::string_view word(std::string_view& line) {
  const auto space = line.find(' ');
  const std::string_view w = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  return w;
}

}  // namespace

int fuzzNotification(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  std::string_view line = input.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  callback::CallbackRequest request;
  request.method = word(line);
  request.target = word(line);
  request.content_type = line;
  request.body = body;  // left out before: ten million runs classified empty bodies only
  const auto result = callback::classifyNotification(request, "/notify");
  if (const auto* problem = std::get_if<callback::Problem>(&result)) {
    const int s = problem->status;
    check(s == 400 || s == 404 || s == 405 || s == 415);
    check(!callback::operationOutcome(*problem).empty());
    return 0;
  }
  const auto& n = std::get<callback::Notification>(result);
  check(callback::shapeName(n.shape) != nullptr);
  for (const callback::CarriedResource& r : n.resources)
    check(r.json.size() <= body.size());
  return 0;
}

}  // namespace fa::fuzz

FA_FUZZ_TARGET(fa::fuzz::fuzzNotification)

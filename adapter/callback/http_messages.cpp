#include "callback/http_messages.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace fa::callback {

namespace http = boost::beast::http;

void limitRequestParser(http::request_parser<http::string_body>& parser, const CallbackServerSettings& settings) {
  parser.body_limit(settings.max_body_bytes);
  parser.header_limit(settings.max_header_bytes);
}

ServerRequest toServerRequest(BeastRequest&& request, bool clientCertificate, std::chrono::steady_clock::time_point received) {
  ServerRequest r;
  r.method = std::string(request.method_string());
  r.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto [it, inserted] = r.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += "," + std::string(field.value());
  }
  r.body = std::move(request.body());
  r.client_certificate = clientCertificate;
  r.received = received;
  return r;
}

BeastResponse toBeastResponse(ServerResponse&& response, unsigned requestVersion, bool keepAlive) {
  BeastResponse res(static_cast<http::status>(response.status), requestVersion ? std::min(requestVersion, 11u) : 11u);
  res.set(http::field::server, "fhir-adapter");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers)
    res.set(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keepAlive);
  res.prepare_payload();
  return res;
}

}  // namespace fa::callback

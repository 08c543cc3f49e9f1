#pragma once
// Plain HTTP request/response values shared by the client, the server and their tests.
// Header names are stored lower-case.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace fa::net {

using Headers = std::map<std::string, std::string>;  // lower-case name -> value

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute http(s) URL
  Headers headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::optional<std::string> header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

}  // namespace fa::net

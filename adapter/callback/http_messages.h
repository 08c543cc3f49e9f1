#pragma once
// The receiver's conversions between Beast's HTTP messages and the server-neutral
// ServerRequest / ServerResponse, in one place so that the fuzz harness
// (fuzz/callback_request_fuzz.cpp) drives exactly the steps the server takes.
#include <chrono>

#include <boost/beast/http.hpp>

#include "callback/callback_server.h"

namespace fa::callback {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// A fresh parser gets the configured body and header limits (413 / 431 beyond them).
void limitRequestParser(boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                        const CallbackServerSettings& settings);

// Header names in lower case; a repeated header's values joined with ",".
ServerRequest toServerRequest(BeastRequest&& request, bool clientCertificate, std::chrono::steady_clock::time_point received);

// HTTP/1.0 is answered as 1.0; anything newer (an "HTTP/2.0" request line) as 1.1.
BeastResponse toBeastResponse(ServerResponse&& response, unsigned requestVersion, bool keepAlive);

}  // namespace fa::callback

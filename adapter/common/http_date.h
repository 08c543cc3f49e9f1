#pragma once
// HTTP-date (RFC 9110 section 5.6.7), as the Date and Retry-After headers carry it. A recipient
// must accept all three forms:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"   (the one senders must use)
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"  (obsolete, two-digit year)
//   asctime      "Sun Nov  6 08:49:37 1994"        (obsolete, no zone: UTC)
#include <chrono>
#include <optional>
#include <string_view>

namespace fa::common {

// nullopt for anything else, or an impossible date (31 Nov, 25:00). An RFC 850 two-digit year
// that would lie more than 50 years after `now` is the latest past year with those digits
// (RFC 9110); `now` is a parameter so that this stays a function of its arguments.
std::optional<std::chrono::system_clock::time_point> parseHttpDate(std::string_view text,
                                                                   std::chrono::system_clock::time_point now);

}  // namespace fa::common

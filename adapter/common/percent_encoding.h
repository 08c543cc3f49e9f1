#pragma once
// Percent-encoding (RFC 3986 section 2.1: "%" and two upper-case hex digits per byte) for the
// three places that build URLs and forms: FHIR search values, the OAuth token request body, and
// characters RFC 3986 does not allow in a URL as written.
#include <string>
#include <string_view>

namespace fa::common {

// ALPHA, DIGIT, "-", ".", "_", "~" (RFC 3986 unreserved) and the bytes of `also_keep` stay as
// they are; every other byte is percent-encoded. A FHIR search value keeps "," (its list
// separator): percentEncode(value, ",").
std::string percentEncode(std::string_view text, std::string_view also_keep = "");
// application/x-www-form-urlencoded (the OAuth 2.0 token request): unreserved bytes stay, a
// space becomes "+", everything else is percent-encoded.
std::string formUrlEncode(std::string_view text);
// Only what RFC 3986 forbids anywhere in a URL (controls, space, non-ASCII, " < > \ ^ ` { | })
// is encoded; "%" and every delimiter stay, so an already encoded URL is unchanged.
std::string encodeIllegalUrlCharacters(std::string_view url);

}  // namespace fa::common

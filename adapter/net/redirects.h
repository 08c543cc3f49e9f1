#pragma once
// Redirects of FHIR reads (docs/fhir-servers.md, "Redirects"): FhirClient follows 307 and 308
// answers to a GET, within the origin of the URL that answered, a few hops at most. Pure.
#include <optional>
#include <string>

namespace fa::net {

// "https://host:443" (scheme and host lower case, the port always written, no user information),
// or "" when `url` is not an absolute http(s) URL.
std::string urlOrigin(const std::string& url);

// The Location header resolved against the URL that answered (RFC 3986 section 5.2), or nullopt
// when it cannot be.
std::optional<std::string> resolveRedirect(const std::string& from, const std::string& location);

// Whether a FHIR GET that answered `status` is followed (307, 308).
inline bool isFollowedRedirect(int status) {
  return status == 307 || status == 308;
}
// Every redirect status: the others (301, 302, 303) are reported, not followed.
inline bool isRedirectStatus(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace fa::net

#pragma once
// Outbound HTTP proxy: which connections go through one, and the CONNECT request that opens a
// tunnel through it (RFC 9110 section 9.3.6). Pure: no I/O, the environment comes in as a map.
//
// docs/contract.md, [fhir] proxy: only http:// proxy URLs (the adapter speaks plain HTTP to the
// proxy); every connection through it is a CONNECT tunnel, for https:// targets (TLS end to end,
// the proxy sees only the host and port) and for http:// targets alike. When `[fhir] proxy` is
// not set, https_proxy / HTTPS_PROXY, http_proxy / HTTP_PROXY and no_proxy / NO_PROXY are
// honoured, the lower-case name first (as curl does).
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::net {

// A proxy URL, no_proxy list or environment value that cannot be used. The message names the
// setting, never a password.
class ProxyConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ProxyServer {
  std::string host;               // without IPv6 brackets
  std::string port;               // "80" when the URL names none (the http:// default)
  std::string credentials;        // "user:password" from the URL (environment values only); "" = none
  std::string authority() const;  // "host:port", "[v6]:port"
};

struct ProxySettings {
  std::optional<ProxyServer> for_https;  // the proxy of https:// targets
  std::optional<ProxyServer> for_http;   // the proxy of http:// targets
  std::string credentials;               // [fhir] proxy_credentials_file ("user:password"); wins over the URL's
  std::vector<std::string> no_proxy;     // lower-case entries (parseNoProxy)
  bool from_environment = false;         // loopback targets then bypass the proxy (as Go's net/http does)
};

// "http://host[:port][/]" -> the proxy. `allow_userinfo`: "http://user:pass@host:port" (the
// environment's habit; a configuration file takes credentials from a file instead). Without
// `require_scheme`, "host:port" means http:// (curl reads environment values so).
ProxyServer parseProxyUrl(const std::string& url, bool allow_userinfo, bool require_scheme);

// "host1, .domain, 10.0.0.0/8, *" -> trimmed, lower-case entries (empty ones dropped); throws
// ProxyConfigError on a malformed address range.
std::vector<std::string> parseNoProxy(const std::string& list);

// Whether `host` (a name or an IP literal, without brackets) bypasses the proxy: "*" matches
// everything; "example.org" and ".example.org" match example.org and every name under it; an
// IP literal matches itself; "10.0.0.0/8", "fd00::/8" match IP literals inside. Names are never
// resolved for a CIDR match.
bool bypassesProxy(const std::vector<std::string>& no_proxy, const std::string& host);

// The proxy for a connection to `host`, or nullptr for a direct connection.
const ProxyServer* proxyFor(const ProxySettings& settings, bool tls, const std::string& host);

using Environment = std::map<std::string, std::string>;
// The proxy variables of this process (https_proxy, HTTPS_PROXY, http_proxy, HTTP_PROXY,
// no_proxy, NO_PROXY): the only place that reads the real environment.
Environment proxyEnvironment();
// The settings the variables describe (empty values count as unset). Throws ProxyConfigError
// naming the variable.
ProxySettings proxyFromEnvironment(const Environment& env);

// The bytes of the CONNECT request for `target_authority` ("fhir.example.org:443"), with
// Proxy-Authorization: Basic when `credentials` is not empty.
std::string connectRequest(const std::string& target_authority, const std::string& credentials, const std::string& user_agent);

// "user:password" as read from proxy_credentials_file (one line). Throws ProxyConfigError
// (without the content) when it is not one line of that form.
std::string checkProxyCredentials(const std::string& line);

}  // namespace fa::net

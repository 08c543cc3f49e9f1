// Proxy URLs, no_proxy matching, the environment fallback and the CONNECT request (proxy.h).
#include "net/proxy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "net/auth.h"

namespace fa::net {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// "%40" -> "@" in the user and password of an environment proxy URL.
std::string percentDecode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool validPort(const std::string& port) {
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const long value = std::strtol(port.c_str(), nullptr, 10);
  return value >= 1 && value <= 65535;
}

// "host[:port]" or "[v6][:port]" into the server's host and port.
void splitHostPort(const std::string& authority, ProxyServer& server) {
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw ProxyConfigError("an IPv6 address without its closing ']'");
    server.host = authority.substr(1, close - 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') throw ProxyConfigError("text after the IPv6 address");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    server.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (server.host.empty() || server.host.find_first_of(" /?#@") != std::string::npos)
    throw ProxyConfigError("a proxy URL needs a host");
  server.port = port.empty() ? "80" : port;
  if (!validPort(server.port)) throw ProxyConfigError("the proxy port must be a number from 1 to 65535");
  server.host = lower(server.host);
}

// An IP literal as bytes (4 or 16), or nullopt for a name.
std::optional<std::vector<unsigned char>> ipBytes(const std::string& text) {
  std::array<unsigned char, 16> buffer{};
  if (inet_pton(AF_INET, text.c_str(), buffer.data()) == 1) return std::vector<unsigned char>(buffer.begin(), buffer.begin() + 4);
  if (inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1) return std::vector<unsigned char>(buffer.begin(), buffer.end());
  return std::nullopt;
}

struct Cidr {
  std::vector<unsigned char> network;
  int bits = 0;
};

// "10.0.0.0/8" -> network and prefix length; nullopt when the entry is no CIDR at all.
std::optional<Cidr> parseCidr(const std::string& entry) {
  const auto slash = entry.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto network = ipBytes(entry.substr(0, slash));
  const std::string bits = entry.substr(slash + 1);
  const int max_bits = network ? static_cast<int>(network->size()) * 8 : 0;
  if (!network || bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string::npos ||
      std::atoi(bits.c_str()) > max_bits) {
    throw ProxyConfigError("no_proxy entry " + entry + " is not an address/prefix-length range");
  }
  return Cidr{*network, std::atoi(bits.c_str())};
}

bool insideCidr(const std::vector<unsigned char>& address, const Cidr& range) {
  if (address.size() != range.network.size()) return false;
  for (int bit = 0; bit < range.bits; ++bit) {
    const auto byte = static_cast<std::size_t>(bit / 8);
    const int mask = 0x80 >> (bit % 8);
    if ((address[byte] & mask) != (range.network[byte] & mask)) return false;
  }
  return true;
}

bool matchesEntry(const std::string& entry, const std::string& host, const std::optional<std::vector<unsigned char>>& ip) {
  if (entry == "*") return true;
  if (auto range = parseCidr(entry)) return ip && insideCidr(*ip, *range);
  std::string name = entry.front() == '.' ? entry.substr(1) : entry;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  if (ip) {
    const auto entry_ip = ipBytes(name);
    return entry_ip && *entry_ip == *ip;
  }
  if (host == name) return true;
  return host.size() > name.size() && host.compare(host.size() - name.size(), name.size(), name) == 0 &&
         host[host.size() - name.size() - 1] == '.';
}

bool isLoopback(const std::string& host) {
  if (host == "localhost" || (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0)) return true;
  const auto ip = ipBytes(host);
  if (!ip) return false;
  if (ip->size() == 4) return (*ip)[0] == 127;
  return std::all_of(ip->begin(), ip->end() - 1, [](unsigned char b) { return b == 0; }) && ip->back() == 1;
}

// The first set variable of `names` (empty counts as unset), with its name.
std::optional<std::pair<std::string, std::string>> firstSet(const Environment& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = env.find(name);
    if (it != env.end() && !trim(it->second).empty()) return std::make_pair(std::string(name), trim(it->second));
  }
  return std::nullopt;
}

std::optional<ProxyServer> proxyVariable(const Environment& env, std::initializer_list<const char*> names) {
  const auto found = firstSet(env, names);
  if (!found) return std::nullopt;
  try {
    return parseProxyUrl(found->second, true, false);
  } catch (const ProxyConfigError& e) {
    throw ProxyConfigError("environment variable " + found->first + ": " + e.what());
  }
}

}  // namespace

std::string ProxyServer::authority() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

ProxyServer parseProxyUrl(const std::string& raw, bool allow_userinfo, bool require_scheme) {
  std::string rest = trim(raw);
  const auto scheme_end = rest.find("://");
  if (scheme_end != std::string::npos) {
    const std::string scheme = lower(rest.substr(0, scheme_end));
    if (scheme != "http")
      throw ProxyConfigError("only http:// proxy URLs are supported (the tunnel carries TLS), not " + scheme + "://");
    rest = rest.substr(scheme_end + 3);
  } else if (require_scheme) {
    throw ProxyConfigError("must be an http://host:port URL");
  }
  const auto path = rest.find_first_of("/?#");
  if (path != std::string::npos && rest.substr(path) != "/") throw ProxyConfigError("a proxy URL has no path or query");
  std::string authority = rest.substr(0, path);
  ProxyServer server;
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    // The message never repeats the user information: it holds a password.
    if (!allow_userinfo) throw ProxyConfigError("must not hold credentials (put them in proxy_credentials_file)");
    server.credentials = percentDecode(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  splitHostPort(authority, server);
  return server;
}

std::vector<std::string> parseNoProxy(const std::string& list) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const std::string entry = lower(trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!entry.empty() && entry != ".") {
      parseCidr(entry);  // throws on a malformed range
      entries.push_back(entry);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return entries;
}

bool bypassesProxy(const std::vector<std::string>& no_proxy, const std::string& raw_host) {
  std::string host = lower(raw_host);
  if (!host.empty() && host.back() == '.') host.pop_back();  // "example.org." is example.org
  const auto ip = ipBytes(host);
  return std::any_of(no_proxy.begin(), no_proxy.end(), [&](const std::string& entry) { return matchesEntry(entry, host, ip); });
}

const ProxyServer* proxyFor(const ProxySettings& settings, bool tls, const std::string& host) {
  const std::optional<ProxyServer>& proxy = tls ? settings.for_https : settings.for_http;
  if (!proxy) return nullptr;
  if (settings.from_environment && isLoopback(lower(host))) return nullptr;
  return bypassesProxy(settings.no_proxy, host) ? nullptr : &*proxy;
}

Environment proxyEnvironment() {
  Environment env;
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

ProxySettings proxyFromEnvironment(const Environment& env) {
  ProxySettings settings;
  settings.from_environment = true;
  settings.for_https = proxyVariable(env, {"https_proxy", "HTTPS_PROXY"});
  settings.for_http = proxyVariable(env, {"http_proxy", "HTTP_PROXY"});
  if (const auto list = firstSet(env, {"no_proxy", "NO_PROXY"})) {
    try {
      settings.no_proxy = parseNoProxy(list->second);
    } catch (const ProxyConfigError& e) {
      throw ProxyConfigError("environment variable " + list->first + ": " + e.what());
    }
  }
  return settings;
}

std::string connectRequest(const std::string& target_authority, const std::string& credentials, const std::string& user_agent) {
  std::string request = "CONNECT " + target_authority + " HTTP/1.1\r\nHost: " + target_authority + "\r\n";
  request += "User-Agent: " + user_agent + "\r\n";
  if (!credentials.empty()) {
    const auto colon = credentials.find(':');
    // RFC 7617 Basic, as for the FHIR server (auth.cpp): the user is what comes before the first ':'.
    const std::string user = credentials.substr(0, colon);
    const std::string password = colon == std::string::npos ? "" : credentials.substr(colon + 1);
    request += "Proxy-Authorization: " + makeBasicAuth(user, password)->authorization().value_or("") + "\r\n";
  }
  return request + "\r\n";
}

std::string checkProxyCredentials(const std::string& line) {
  if (line.find_first_of("\r\n") != std::string::npos) throw ProxyConfigError("must hold one line, user:password");
  const auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0) throw ProxyConfigError("must hold user:password (a user, then ':')");
  return line;
}

}  // namespace fa::net

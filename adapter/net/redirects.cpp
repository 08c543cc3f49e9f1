// Origins and Location resolution for the redirects FhirClient follows (redirects.h).
#include "net/redirects.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

#include "common/percent_encoding.h"

namespace fa::net {

std::string urlOrigin(const std::string& url) {
  const std::string encoded = common::encodeIllegalUrlCharacters(url);
  auto parsed = boost::urls::parse_uri(encoded);
  if (!parsed) return "";
  std::string scheme(parsed->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if ((scheme != "http" && scheme != "https") || parsed->encoded_host().empty()) return "";
  std::string host(parsed->encoded_host());
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string port(parsed->port());
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  return scheme + "://" + host + ":" + port;
}

std::optional<std::string> resolveRedirect(const std::string& from, const std::string& location) {
  const std::string base_text = common::encodeIllegalUrlCharacters(from);
  const std::string reference_text = common::encodeIllegalUrlCharacters(location);
  auto base = boost::urls::parse_uri(base_text);
  auto reference = boost::urls::parse_uri_reference(reference_text);
  if (!base || !reference) return std::nullopt;
  boost::urls::url resolved;
  if (boost::urls::resolve(*base, *reference, resolved).has_error()) return std::nullopt;
  resolved.remove_fragment();
  return std::string(resolved.buffer());
}

}  // namespace fa::net

// The pure proxy rules (net/proxy.h): proxy URLs, no_proxy matching, the environment fallback
// (given as a map: the process environment is never changed) and the CONNECT request bytes.
#include <gtest/gtest.h>

#include <string>

#include "net/proxy.h"

namespace fa::net {
namespace {

// Expects ProxyConfigError; returns its message.
template <class F>
std::string configError(F&& call) {
  try {
    call();
  } catch (const ProxyConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected ProxyConfigError";
  return {};
}

TEST(ProxyUrl, HostAndPort) {
  const ProxyServer p = parseProxyUrl("http://Proxy.Hospital.example:3128", false, true);
  EXPECT_EQ(p.host, "proxy.hospital.example");  // host names are case-insensitive: kept lower case
  EXPECT_EQ(p.port, "3128");
  EXPECT_EQ(p.authority(), "proxy.hospital.example:3128");
  EXPECT_EQ(p.credentials, "");
}

TEST(ProxyUrl, DefaultPortTrailingSlashAndIpv6) {
  EXPECT_EQ(parseProxyUrl("http://proxy/", false, true).port, "80");  // the http:// scheme's default
  const ProxyServer v6 = parseProxyUrl("http://[fd00::5]:8080", false, true);
  EXPECT_EQ(v6.host, "fd00::5");
  EXPECT_EQ(v6.authority(), "[fd00::5]:8080");
}

TEST(ProxyUrl, RefusesOtherSchemesPathsPortsAndCredentialsInTheFile) {
  EXPECT_NE(configError([] { parseProxyUrl("https://proxy:3128", false, true); }).find("only http://"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("socks5://proxy:1080", false, true); }).find("not socks5://"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("proxy:3128", false, true); }).find("http://host:port"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("http://proxy:3128/pac", false, true); }).find("no path"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("http://proxy:0", false, true); }).find("1 to 65535"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("http://proxy:99999", false, true); }).find("1 to 65535"), std::string::npos);
  EXPECT_NE(configError([] { parseProxyUrl("http://:3128", false, true); }).find("needs a host"), std::string::npos);
  const std::string message = configError([] { parseProxyUrl("http://alice:s3cret@proxy:3128", false, true); });
  EXPECT_NE(message.find("proxy_credentials_file"), std::string::npos);
  EXPECT_EQ(message.find("s3cret"), std::string::npos);  // the password is never repeated
}

TEST(ProxyUrl, EnvironmentFormsKeepDecodedCredentialsAndAllowNoScheme) {
  // "p%40ss" is "p@ss" percent-encoded, as RFC 3986 userinfo must carry an "@".
  const ProxyServer p = parseProxyUrl("http://alice:p%40ss@proxy:3128", true, false);
  EXPECT_EQ(p.credentials, "alice:p@ss");
  EXPECT_EQ(p.authority(), "proxy:3128");
  EXPECT_EQ(parseProxyUrl("proxy.example:8080", true, false).authority(), "proxy.example:8080");
}

TEST(NoProxy, HostsDomainSuffixesAndStar) {
  const auto list = parseNoProxy(" fhir.local , .hospital.example,Intranet ");
  ASSERT_EQ(list, (std::vector<std::string>{"fhir.local", ".hospital.example", "intranet"}));
  EXPECT_TRUE(bypassesProxy(list, "fhir.local"));
  EXPECT_TRUE(bypassesProxy(list, "FHIR.LOCAL."));             // case and a trailing root dot do not matter
  EXPECT_TRUE(bypassesProxy(list, "hospital.example"));        // ".hospital.example": the domain itself ...
  EXPECT_TRUE(bypassesProxy(list, "ehr.hospital.example"));    // ... and every name under it
  EXPECT_TRUE(bypassesProxy(list, "a.b.intranet"));            // no dot: also a domain suffix (curl)
  EXPECT_FALSE(bypassesProxy(list, "otherhospital.example"));  // a suffix only at a dot
  EXPECT_FALSE(bypassesProxy(list, "fhir.local.evil.example"));
  EXPECT_FALSE(bypassesProxy(list, "epic.vendor.example"));
  EXPECT_TRUE(bypassesProxy(parseNoProxy("*"), "anything.example"));
  EXPECT_TRUE(parseNoProxy(" , ,").empty());
}

TEST(NoProxy, AddressesAndRanges) {
  const auto list = parseNoProxy("10.0.0.0/8,192.168.1.7,[::1],fd00::/8");
  EXPECT_TRUE(bypassesProxy(list, "10.200.3.4"));   // inside 10/8
  EXPECT_FALSE(bypassesProxy(list, "11.0.0.1"));    // 11 = 0b00001011, differs from 10 in the first 8 bits
  EXPECT_TRUE(bypassesProxy(list, "192.168.1.7"));  // an exact address
  EXPECT_FALSE(bypassesProxy(list, "192.168.1.70"));
  EXPECT_TRUE(bypassesProxy(list, "::1"));
  EXPECT_TRUE(bypassesProxy(list, "fd12:3456::1"));  // fd12 starts with the byte 0xfd
  EXPECT_FALSE(bypassesProxy(list, "fe80::1"));
  EXPECT_FALSE(bypassesProxy(list, "ten.example"));  // names are never resolved for a range
  const auto prefix = parseNoProxy("172.16.0.0/12");
  EXPECT_TRUE(bypassesProxy(prefix, "172.31.255.255"));  // 172.16/12 spans 172.16.0.0 to 172.31.255.255
  EXPECT_FALSE(bypassesProxy(prefix, "172.32.0.1"));
  EXPECT_NE(configError([] { parseNoProxy("10.0.0.0/33"); }).find("10.0.0.0/33"), std::string::npos);
  EXPECT_NE(configError([] { parseNoProxy("intranet/8"); }).find("range"), std::string::npos);
}

TEST(ProxyEnvironment, LowerCaseWinsAndEmptyIsUnset) {
  const ProxySettings s = proxyFromEnvironment({{"https_proxy", "http://lower:3128"},
                                                {"HTTPS_PROXY", "http://upper:3128"},
                                                {"http_proxy", ""},
                                                {"HTTP_PROXY", "http://plain:8080"},
                                                {"NO_PROXY", "fhir.local"}});
  ASSERT_TRUE(s.for_https);
  EXPECT_EQ(s.for_https->authority(), "lower:3128");
  ASSERT_TRUE(s.for_http);
  EXPECT_EQ(s.for_http->authority(), "plain:8080");  // an empty http_proxy counts as unset
  EXPECT_EQ(s.no_proxy, std::vector<std::string>{"fhir.local"});
  EXPECT_TRUE(s.from_environment);
}

TEST(ProxyEnvironment, NothingSetMeansDirect) {
  const ProxySettings s = proxyFromEnvironment({{"PATH", "/usr/bin"}});
  EXPECT_FALSE(s.for_https);
  EXPECT_FALSE(s.for_http);
  EXPECT_EQ(proxyFor(s, true, "fhir.hospital.example"), nullptr);
}

TEST(ProxyEnvironment, ABadValueNamesTheVariable) {
  const std::string message = configError([] { proxyFromEnvironment({{"HTTPS_PROXY", "https://proxy:443"}}); });
  EXPECT_NE(message.find("HTTPS_PROXY"), std::string::npos) << message;
  EXPECT_NE(configError([] { proxyFromEnvironment({{"no_proxy", "10.0.0.0/99"}}); }).find("no_proxy"), std::string::npos);
}

TEST(ProxyRouting, ByTargetSchemeNoProxyAndLoopback) {
  ProxySettings s = proxyFromEnvironment({{"https_proxy", "http://proxy:3128"}, {"no_proxy", ".hospital.example"}});
  ASSERT_NE(proxyFor(s, true, "fhir.vendor.example"), nullptr);
  EXPECT_EQ(proxyFor(s, true, "fhir.vendor.example")->authority(), "proxy:3128");
  EXPECT_EQ(proxyFor(s, false, "fhir.vendor.example"), nullptr);  // http_proxy is not set
  EXPECT_EQ(proxyFor(s, true, "ehr.hospital.example"), nullptr);  // no_proxy
  // From the environment, loopback targets stay direct (a test server, a local sidecar) ...
  EXPECT_EQ(proxyFor(s, true, "127.0.0.1"), nullptr);
  EXPECT_EQ(proxyFor(s, true, "::1"), nullptr);
  EXPECT_EQ(proxyFor(s, true, "localhost"), nullptr);
  // ... but a proxy named in the configuration file is used for them too.
  s.from_environment = false;
  EXPECT_NE(proxyFor(s, true, "127.0.0.1"), nullptr);
}

TEST(ConnectRequest, ExactBytesWithAndWithoutCredentials) {
  EXPECT_EQ(connectRequest("fhir.example.org:443", "", "fhir-adapter/0.1"),
            "CONNECT fhir.example.org:443 HTTP/1.1\r\n"
            "Host: fhir.example.org:443\r\n"
            "User-Agent: fhir-adapter/0.1\r\n"
            "\r\n");
  // base64("alice:open sesame") = "YWxpY2U6b3BlbiBzZXNhbWU=" (RFC 7617 section 2's example uses
  // Aladdin; this one is worked out: "ali" -> YWxp, "ce:" -> Y2U6, "ope" -> b3Bl, "n s" -> biBz,
  // "esa" -> ZXNh, "me" -> bWU=).
  EXPECT_EQ(connectRequest("[fd00::5]:8443", "alice:open sesame", "ua"),
            "CONNECT [fd00::5]:8443 HTTP/1.1\r\n"
            "Host: [fd00::5]:8443\r\n"
            "User-Agent: ua\r\n"
            "Proxy-Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\r\n"
            "\r\n");
}

TEST(ProxyCredentials, OneLineUserColonPassword) {
  EXPECT_EQ(checkProxyCredentials("svc-fhir:pa:ss"), "svc-fhir:pa:ss");  // the password may hold ':'
  const std::string no_colon = configError([] { checkProxyCredentials("just-a-password"); });
  EXPECT_NE(no_colon.find("user:password"), std::string::npos);
  EXPECT_EQ(no_colon.find("just-a-password"), std::string::npos);  // never the content
  EXPECT_NE(configError([] { checkProxyCredentials(":secret"); }).find("user"), std::string::npos);
  EXPECT_NE(configError([] { checkProxyCredentials("a:b\nc:d"); }).find("one line"), std::string::npos);
}

}  // namespace
}  // namespace fa::net

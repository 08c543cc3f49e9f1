#pragma once
// SmartTokenEndpoint: the authorization server side of SMART Backend Services, for tests. It
// checks the client_credentials form and REALLY verifies the client assertion: the signature
// with the registered public key only (EVP_DigestVerify, SHA-384; ES384 from raw R||S), the
// header (alg, typ, kid) and the claims (iss = sub = client_id, aud = token URL,
// now < exp <= now + 300 s, jti unique). Tokens are "access-1", "access-2", ...
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/test_certs.h"
#include "net/test_https_server.h"

namespace fa::net::test {

inline std::string percentDecode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline std::map<std::string, std::string> parseForm(const std::string& body) {
  std::map<std::string, std::string> form;
  std::size_t start = 0;
  while (start <= body.size()) {
    const auto end = std::min(body.find('&', start), body.size());
    const std::string pair = body.substr(start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string::npos) form[percentDecode(pair.substr(0, eq))] = percentDecode(pair.substr(eq + 1));
    start = end + 1;
  }
  return form;
}

// nullopt unless `text` is unpadded base64url.
inline std::optional<std::string> base64urlDecode(std::string text) {
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return std::nullopt;
  }
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  const std::size_t padding = (4 - text.size() % 4) % 4;
  if (padding == 3) return std::nullopt;
  text.append(padding, '=');
  std::vector<unsigned char> out(text.size());
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n) - padding);
}

// The public half of `key`, round-tripped through PEM so the verifier holds no private part.
inline PkeyPtr publicKeyOf(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  return PkeyPtr(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

class SmartTokenEndpoint {
 public:
  struct Settings {
    std::string alg;  // RS384 or ES384
    std::string client_id;
    std::string kid;
    std::string scope;
    std::string token_url;  // the expected aud
    long expires_in = 300;
    std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
  };

  SmartTokenEndpoint(PkeyPtr public_key, Settings settings) : key_(std::move(public_key)), settings_(std::move(settings)) {}

  ServerReply handle(const ServerRequest& request) {
    std::lock_guard lock(mutex_);
    const std::string problem = check(request);
    ServerReply reply;
    reply.headers["Content-Type"] = "application/json";
    if (!problem.empty()) {
      rejections_.push_back(problem);
      reply.status = 401;
      reply.body = R"({"error":"invalid_client","error_description":")" + problem + "\"}";
      return reply;
    }
    ++issued_;
    reply.body = R"({"access_token":")" + currentToken() + R"(","token_type":"bearer","expires_in":)" +
                 std::to_string(settings_.expires_in) + R"(,"scope":")" + settings_.scope + "\"}";
    return reply;
  }

  int issued() const { return issued_.load(); }
  std::string currentToken() const { return "access-" + std::to_string(issued_.load()); }
  std::vector<std::string> rejections() const {
    std::lock_guard lock(mutex_);
    return rejections_;
  }
  std::string lastHeader() const {
    std::lock_guard lock(mutex_);
    return last_header_;
  }
  std::size_t lastSignatureBytes() const {
    std::lock_guard lock(mutex_);
    return last_signature_bytes_;
  }

 private:
  static const char* str(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  }

  std::string check(const ServerRequest& request) {
    if (request.method != "POST") return "not POST";
    if (request.header("content-type") != "application/x-www-form-urlencoded") return "not a form";
    auto form = parseForm(request.body);
    if (form["grant_type"] != "client_credentials") return "bad grant_type";
    if (form["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") return "bad assertion type";
    if (form["scope"] != settings_.scope) return "bad scope";
    const std::string jwt = form["client_assertion"];
    const auto dot1 = jwt.find('.');
    const auto dot2 = jwt.find('.', dot1 == std::string::npos ? 0 : dot1 + 1);
    if (dot1 == std::string::npos || dot2 == std::string::npos || jwt.find('.', dot2 + 1) != std::string::npos)
      return "not a JWS";
    const auto header = base64urlDecode(jwt.substr(0, dot1));
    const auto claims = base64urlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64urlDecode(jwt.substr(dot2 + 1));
    if (!header || !claims || !signature) return "bad base64url";
    last_header_ = *header;
    last_signature_bytes_ = signature->size();

    rapidjson::Document h;
    h.Parse(header->c_str());
    if (h.HasParseError() || !h.IsObject()) return "bad header JSON";
    if (std::string(str(h, "alg")) != settings_.alg) return "bad alg";
    if (std::string(str(h, "typ")) != "JWT") return "bad typ";
    if (std::string(str(h, "kid")) != settings_.kid) return "bad kid";

    if (!verify(jwt.substr(0, dot2), *signature)) return "bad signature";

    rapidjson::Document c;
    c.Parse(claims->c_str());
    if (c.HasParseError() || !c.IsObject()) return "bad claims JSON";
    if (std::string(str(c, "iss")) != settings_.client_id || std::string(str(c, "sub")) != settings_.client_id)
      return "bad iss/sub";
    if (std::string(str(c, "aud")) != settings_.token_url) return "bad aud";
    if (!c.HasMember("exp") || !c["exp"].IsInt64() || !c.HasMember("iat") || !c["iat"].IsInt64()) return "bad exp/iat";
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(settings_.now().time_since_epoch()).count();
    const auto exp = c["exp"].GetInt64();
    if (exp <= now) return "expired";
    if (exp > now + 300) return "exp more than 5 minutes ahead";
    const std::string jti = str(c, "jti");
    if (jti.size() != 32) return "jti is not 128-bit hex";
    if (!jtis_.insert(jti).second) return "jti replayed";
    return {};
  }

  bool verify(const std::string& signing_input, const std::string& signature) const {
    std::string der;
    if (settings_.alg == "ES384") {
      if (signature.size() != 96) return false;  // JWS: raw R||S, 48 bytes each
      ECDSA_SIG* sig = ECDSA_SIG_new();
      const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
      ECDSA_SIG_set0(sig, BN_bin2bn(raw, 48, nullptr), BN_bin2bn(raw + 48, 48, nullptr));
      unsigned char* out = nullptr;
      const int length = i2d_ECDSA_SIG(sig, &out);
      der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(length));
      OPENSSL_free(out);
      ECDSA_SIG_free(sig);
    } else {
      der = signature;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key_.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
  }

  PkeyPtr key_;
  Settings settings_;
  mutable std::mutex mutex_;
  std::atomic<int> issued_{0};
  std::set<std::string> jtis_;
  std::vector<std::string> rejections_;
  std::string last_header_;
  std::size_t last_signature_bytes_ = 0;
};

}  // namespace fa::net::test

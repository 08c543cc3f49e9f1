// SMART Backend Services authorization (SMART App Launch 2, "Backend Services"):
// client_credentials grant with a private_key_jwt client assertion signed RS384 or ES384.
//
// Thread-safety: one mutex guards the discovered endpoint and the cached token; a caller that
// finds the token stale fetches a new one while the others wait, so there is one token request.
// Neither the token nor the key ever reaches a log or an error message.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/hex.h"
#include "common/json_depth.h"
#include "common/percent_encoding.h"
#include "net/auth.h"

namespace fa::net {
namespace {

constexpr std::chrono::seconds kMaxAssertionLifetime{300};  // SMART: exp no more than 5 minutes ahead
// expires_in is RECOMMENDED by RFC 6749; without it, assume SMART's recommended maximum.
constexpr std::chrono::seconds kDefaultExpiresIn{300};
constexpr std::size_t kEs384CoordinateBytes = 48;  // P-384

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string base64url(const unsigned char* data, std::size_t size) {
  std::vector<unsigned char> out(4 * ((size + 2) / 3) + 1);
  const int written = EVP_EncodeBlock(out.data(), data, static_cast<int>(size));
  std::string text(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(written));
  // RFC 7515 section 2: base64url without padding.
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!text.empty() && text.back() == '=')
    text.pop_back();
  return text;
}
std::string base64url(const std::string& text) {
  return base64url(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw AuthError("no random bytes for the JWT jti");
  return common::toHex(raw.data(), raw.size());
}

std::string opensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

const char* stringMember(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : nullptr;
}

// A failed call to the discovery or token endpoint: worth retrying (TransportError) when the
// server is overloaded or down, final (AuthError) when it refuses us.
[[noreturn]] void endpointFailure(const std::string& what, const HttpResponse& response) {
  std::string message = what + " answered HTTP " + std::to_string(response.status);
  rapidjson::Document doc;
  common::parseBounded(doc, response.body);
  if (!doc.HasParseError() && doc.IsObject()) {
    // RFC 6749 section 5.2: {"error": "invalid_client", "error_description": "..."}
    if (const char* error = stringMember(doc, "error")) message += ": " + std::string(error);
    if (const char* description = stringMember(doc, "error_description")) message += " (" + std::string(description) + ")";
  }
  if (response.status == 429 || response.status >= 500) throw TransportError("auth_unavailable", message);
  throw AuthError(message);
}

class SmartBackendAuth final : public Authenticator {
 public:
  SmartBackendAuth(SmartSettings settings, std::shared_ptr<HttpClient> http, SmartClock clock)
      : settings_(std::move(settings)), http_(std::move(http)), clock_(std::move(clock)) {
    if (settings_.client_id.empty()) throw AuthError("SMART client_id is empty");
    if (settings_.token_url.empty() && settings_.fhir_base_url.empty())
      throw AuthError("SMART needs a token URL or a FHIR base URL");
    if (settings_.assertion_lifetime <= std::chrono::seconds(0) || settings_.assertion_lifetime > kMaxAssertionLifetime) {
      throw AuthError("SMART assertion lifetime must be within (0, 300] seconds");
    }
    if (!(settings_.renew_fraction > 0.0 && settings_.renew_fraction <= 1.0))
      throw AuthError("SMART renew fraction must be within (0, 1]");
    if (!clock_.now) clock_.now = [] { return std::chrono::system_clock::now(); };
    loadKey();
    token_url_ = settings_.token_url;
  }

  std::optional<std::string> authorization() override {
    std::lock_guard lock(mutex_);
    if (access_token_.empty() || clock_.now() >= renew_at_) fetchToken();
    return "Bearer " + access_token_;
  }

  void invalidate() override {
    std::lock_guard lock(mutex_);
    access_token_.clear();
  }

 private:
  void loadKey() {
    std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(settings_.private_key_file.c_str(), "r"), &BIO_free);
    if (!file) throw AuthError("cannot open SMART private key file " + settings_.private_key_file);
    key_.reset(PEM_read_bio_PrivateKey(file.get(), nullptr, nullptr, nullptr));
    // The message names the file and OpenSSL's reason, never a byte of the key.
    if (!key_) throw AuthError("cannot read SMART private key " + settings_.private_key_file + ": " + opensslError());
    if (EVP_PKEY_is_a(key_.get(), "RSA")) {
      if (EVP_PKEY_get_bits(key_.get()) < 2048) throw AuthError("SMART RSA key must have at least 2048 bits");
      algorithm_ = "RS384";
    } else if (EVP_PKEY_is_a(key_.get(), "EC")) {
      char group[64] = {};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key_.get(), group, sizeof group, &length) != 1 || std::string(group) != "secp384r1") {
        throw AuthError("SMART EC key must be on curve P-384 (ES384)");
      }
      algorithm_ = "ES384";
    } else {
      throw AuthError("SMART private key must be RSA (RS384) or EC P-384 (ES384)");
    }
  }

  std::string discoverTokenUrl() {
    std::string base = settings_.fhir_base_url;
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    HttpRequest request;
    request.url = base + "/.well-known/smart-configuration";
    request.headers["accept"] = "application/json";
    const HttpResponse response = http_->send(request);
    if (response.status != 200) endpointFailure("SMART discovery " + request.url, response);
    rapidjson::Document doc;
    common::parseBounded(doc, response.body);
    const char* endpoint = !doc.HasParseError() && doc.IsObject() ? stringMember(doc, "token_endpoint") : nullptr;
    if (!endpoint || !*endpoint) throw AuthError("SMART discovery " + request.url + " has no token_endpoint");
    return endpoint;
  }

  std::string sign(const std::string& signing_input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, key_.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, data, signing_input.size()) != 1) {
      throw AuthError("cannot sign the SMART client assertion: " + opensslError());
    }
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, data, signing_input.size()) != 1) {
      throw AuthError("cannot sign the SMART client assertion: " + opensslError());
    }
    signature.resize(length);
    if (algorithm_ == "RS384") return base64url(signature.data(), signature.size());

    // JWS ES384 (RFC 7518 section 3.4) is R||S, each 48 bytes big-endian; OpenSSL gives DER.
    const unsigned char* der = signature.data();
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> parsed(
        d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())), &ECDSA_SIG_free);
    if (!parsed) throw AuthError("cannot decode the ECDSA signature: " + opensslError());
    std::vector<unsigned char> raw(2 * kEs384CoordinateBytes);
    const BIGNUM* r = ECDSA_SIG_get0_r(parsed.get());
    const BIGNUM* s = ECDSA_SIG_get0_s(parsed.get());
    if (BN_bn2binpad(r, raw.data(), static_cast<int>(kEs384CoordinateBytes)) < 0 ||
        BN_bn2binpad(s, raw.data() + kEs384CoordinateBytes, static_cast<int>(kEs384CoordinateBytes)) < 0) {
      throw AuthError("cannot encode the ECDSA signature");
    }
    return base64url(raw.data(), raw.size());
  }

  std::string clientAssertion(const std::string& audience) const {
    rapidjson::StringBuffer header;
    {
      rapidjson::Writer<rapidjson::StringBuffer> w(header);
      w.StartObject();
      w.Key("alg");
      w.String(algorithm_.c_str());
      w.Key("typ");
      w.String("JWT");
      if (!settings_.key_id.empty()) {
        w.Key("kid");
        w.String(settings_.key_id.c_str());
      }
      if (!settings_.jku.empty()) {
        w.Key("jku");
        w.String(settings_.jku.c_str());
      }
      w.EndObject();
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    rapidjson::StringBuffer claims;
    {
      rapidjson::Writer<rapidjson::StringBuffer> w(claims);
      w.StartObject();
      w.Key("iss");
      w.String(settings_.client_id.c_str());
      w.Key("sub");
      w.String(settings_.client_id.c_str());
      w.Key("aud");
      w.String(audience.c_str());
      w.Key("exp");
      w.Int64(now + settings_.assertion_lifetime.count());
      w.Key("iat");
      w.Int64(now);
      w.Key("jti");
      w.String(randomHex(16).c_str());  // 128 random bits: unique per assertion
      w.EndObject();
    }
    const std::string signing_input = base64url(header.GetString()) + "." + base64url(claims.GetString());
    return signing_input + "." + sign(signing_input);
  }

  void fetchToken() {
    if (token_url_.empty()) token_url_ = discoverTokenUrl();
    HttpRequest request;
    request.method = "POST";
    request.url = token_url_;
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    request.headers["accept"] = "application/json";
    request.body = "grant_type=client_credentials&scope=" + common::formUrlEncode(settings_.scope) +
                   "&client_assertion_type=" + common::formUrlEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                   "&client_assertion=" + common::formUrlEncode(clientAssertion(token_url_));
    const auto requested_at = clock_.now();
    const HttpResponse response = http_->send(request);
    if (response.status != 200) endpointFailure("SMART token endpoint " + token_url_, response);

    rapidjson::Document doc;
    common::parseBounded(doc, response.body);
    if (doc.HasParseError() || !doc.IsObject()) throw AuthError("SMART token response is not a JSON object");
    const char* token = stringMember(doc, "access_token");
    if (!token || !*token) throw AuthError("SMART token response has no access_token");
    if (const char* type = stringMember(doc, "token_type")) {
      std::string lower(type);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower != "bearer") throw AuthError("SMART token_type is " + std::string(type) + ", not bearer");
    }
    std::chrono::duration<double> expires_in = kDefaultExpiresIn;
    auto expires = std::as_const(doc).FindMember("expires_in");  // const: clang -Wambiguous-reversed-operator
    if (expires != doc.MemberEnd() && expires->value.IsNumber())
      expires_in = std::chrono::duration<double>(expires->value.GetDouble());
    access_token_ = token;
    // Measured from the request, so that time spent on the wire counts against the token.
    renew_at_ =
        requested_at + std::chrono::duration_cast<std::chrono::system_clock::duration>(expires_in * settings_.renew_fraction);
  }

  const SmartSettings settings_;
  const std::shared_ptr<HttpClient> http_;
  SmartClock clock_;
  Pkey key_;
  std::string algorithm_;

  std::mutex mutex_;
  std::string token_url_;
  std::string access_token_;
  std::chrono::system_clock::time_point renew_at_;
};

}  // namespace

std::shared_ptr<Authenticator> makeSmartBackendAuth(const SmartSettings& settings, std::shared_ptr<HttpClient> http,
                                                    SmartClock clock) {
  if (!http) throw AuthError("SMART authentication needs an HTTP client");
  return std::make_shared<SmartBackendAuth>(settings, std::move(http), std::move(clock));
}

}  // namespace fa::net

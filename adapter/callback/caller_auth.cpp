#include "callback/caller_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace fa::callback {
namespace {

std::string hex(const unsigned char* bytes, unsigned int n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2u);
  for (unsigned int i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

void sha256(std::string_view data, unsigned char (&out)[EVP_MAX_MD_SIZE], unsigned int& n) {
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

const char* authFailureName(AuthFailure f) {
  switch (f) {
    case AuthFailure::None:
      return "none";
    case AuthFailure::MissingToken:
      return "missing_token";
    case AuthFailure::BadToken:
      return "bad_token";
    case AuthFailure::MissingSignature:
      return "missing_signature";
    case AuthFailure::BadSignature:
      return "bad_signature";
  }
  return "unknown";
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       mac, &n);
  return hex(mac, n);
}

bool secretsEqual(std::string_view a, std::string_view b) {
  unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
  unsigned int na = 0, nb = 0;
  sha256(a, da, na);
  sha256(b, db, nb);
  return na == nb && CRYPTO_memcmp(da, db, na) == 0;
}

CallerAuth::CallerAuth(CallerAuthSettings settings) : settings_(std::move(settings)) {}

AuthFailure CallerAuth::check(const std::optional<std::string_view>& authorization,
                              const std::optional<std::string_view>& signature, std::string_view body) const {
  if (settings_.bearer_token) {
    if (!authorization) return AuthFailure::MissingToken;
    std::string_view value = trim(*authorization);
    // The scheme is case-insensitive (RFC 9110 11.1); the token is compared exactly.
    constexpr std::string_view scheme = "bearer ";
    bool schemeOk = value.size() > scheme.size();
    for (std::size_t i = 0; schemeOk && i < scheme.size(); ++i)
      schemeOk = std::tolower(static_cast<unsigned char>(value[i])) == scheme[i];
    if (!schemeOk || !secretsEqual(trim(value.substr(scheme.size())), *settings_.bearer_token)) return AuthFailure::BadToken;
  }
  if (settings_.hmac_secret) {
    if (!signature) return AuthFailure::MissingSignature;
    std::string given(trim(*signature));
    for (char& c : given)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!secretsEqual(given, hmacSha256Hex(*settings_.hmac_secret, body))) return AuthFailure::BadSignature;
  }
  return AuthFailure::None;
}

}  // namespace fa::callback

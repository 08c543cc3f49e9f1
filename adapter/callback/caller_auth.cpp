#include "callback/caller_auth.h"

#include <openssl/crypto.h>

#include <cctype>

#include "common/digest.h"

namespace fa::callback {
namespace {

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

bool secretsEqual(std::string_view a, std::string_view b) {
  // Digests first: equal lengths for CRYPTO_memcmp, and no early exit on the first difference.
  const std::string da = common::sha256(a), db = common::sha256(b);
  return da.size() == db.size() && CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
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

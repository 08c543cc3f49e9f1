#pragma once
// CallerAuth: is this callback request from the FHIR server we subscribed with? Configured per
// receiver (docs/fhir-servers.md "Subscriptions"):
//   - a required Authorization header value (`Bearer <token>`, set in Subscription.channel.header),
//   - Medplum's X-Signature: hex HMAC-SHA256 of the raw body with the subscription secret,
//   - and/or mTLS (checked by the TLS layer: a client without a certificate from the configured CA
//     never gets this far).
// Every configured check must pass. Secrets are compared in constant time (CRYPTO_memcmp over
// SHA-256 digests, so neither content nor length leaks through timing). Immutable after
// construction; thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "common/digest.h"

namespace fa::callback {

struct CallerAuthSettings {
  std::optional<std::string> bearer_token;  // required `Authorization: Bearer <token>`
  std::optional<std::string> hmac_secret;   // required `X-Signature: hex(HMAC-SHA256(secret, body))`
};

enum class AuthFailure { None, MissingToken, BadToken, MissingSignature, BadSignature };
const char* authFailureName(AuthFailure f);  // metric label: missing_token, bad_token, ...

class CallerAuth {
 public:
  explicit CallerAuth(CallerAuthSettings settings);
  bool anyConfigured() const { return settings_.bearer_token || settings_.hmac_secret; }
  // `authorization` / `signature`: the header values, nullopt when absent.
  AuthFailure check(const std::optional<std::string_view>& authorization, const std::optional<std::string_view>& signature,
                    std::string_view body) const;

 private:
  CallerAuthSettings settings_;
};

// Lower-case hex HMAC-SHA256 of `data`.
using common::hmacSha256Hex;
// Constant-time for equal lengths and length-independent: compares SHA-256 digests.
bool secretsEqual(std::string_view a, std::string_view b);

}  // namespace fa::callback

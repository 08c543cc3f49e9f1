#pragma once
// Authenticators: what goes into the Authorization header of FHIR requests.
// Secrets come from files or the environment, never from the command line, and never appear in
// logs or error messages.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "net/http_client.h"

namespace fa::net {

// An authenticator could not produce credentials for good (bad key, token endpoint refusing the
// client, malformed token response). Transport failures stay TransportError (retryable).
// Messages never contain a secret.
class AuthError : public std::runtime_error {
 public:
  explicit AuthError(const std::string& what) : std::runtime_error(what) {}
};

// Implementations are thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The Authorization header value, or nullopt for none. May fetch a token (SMART).
  virtual std::optional<std::string> authorization() = 0;
  // The server answered 401: drop cached credentials so the next call renews them.
  virtual void invalidate() {}
};

std::shared_ptr<Authenticator> makeNoAuth();
std::shared_ptr<Authenticator> makeBasicAuth(const std::string& user, const std::string& password);
std::shared_ptr<Authenticator> makeBearerAuth(const std::string& token);

// SMART Backend Services (client_credentials + private_key_jwt).
struct SmartSettings {
  std::string fhir_base_url;  // for .well-known/smart-configuration discovery
  std::string token_url;      // "" = discover
  std::string client_id;
  std::string private_key_file;  // PEM; RSA -> RS384, EC P-384 -> ES384
  std::string key_id;            // JWT header kid
  std::string scope = "system/Observation.rs";
  std::string jku;                               // optional JWT header
  std::chrono::seconds assertion_lifetime{300};  // JWT exp - iat; SMART allows at most 5 minutes
  double renew_fraction = 0.8;                   // renew the access token at this fraction of expires_in
};
struct SmartClock {
  std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
};
// Loads the key at once (throws AuthError if unreadable or neither RSA nor EC P-384); discovers the
// token endpoint and fetches the token lazily, on the first authorization().
std::shared_ptr<Authenticator> makeSmartBackendAuth(const SmartSettings& settings, std::shared_ptr<HttpClient> http,
                                                    SmartClock clock = {});

}  // namespace fa::net

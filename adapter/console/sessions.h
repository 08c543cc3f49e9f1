#pragma once
// Console sessions and CSRF tokens, pure apart from the random bytes (OpenSSL RAND_bytes), with
// an injected clock so that timeouts are tested without waiting.
//
// A session is a random 256-bit token in a cookie (`HttpOnly; Secure; SameSite=Strict`), kept
// here only as its SHA-256 (a lookup cannot leak the token by timing). Each session has its own
// random CSRF token that every POST must carry. A session ends after `idle` without a request,
// after `lifetime` whatever happens, or at logout. The login form has an anonymous session of
// its own (for its CSRF token); signing in replaces it with a new one (no session fixation).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace fa::console {

using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

// 32 random bytes as 64 hex digits; throws std::runtime_error when OpenSSL has none.
std::string randomToken();
// Equal-length comparison in constant time (CRYPTO_memcmp); false for different lengths.
bool sameToken(std::string_view a, std::string_view b);

struct SessionLimits {
  std::chrono::seconds idle{15 * 60};
  std::chrono::seconds lifetime{8 * 3600};
  std::chrono::seconds anonymous_idle{10 * 60};  // the login form's session
  std::size_t max_sessions = 10'000;             // the oldest go first beyond this
};

struct Session {
  std::string login;  // "" for the login form's anonymous session
  std::string csrf;
  std::chrono::steady_clock::time_point created, last_seen;
};

class SessionStore {
 public:
  SessionStore(SessionLimits limits, SteadyNow now) : limits_(limits), now_(std::move(now)) {}

  // A new session; returns its token (the cookie value).
  std::string create(const std::string& login);
  // The live session of a token (and marks it used now); nullopt when unknown or expired.
  std::optional<Session> find(const std::string& token);
  void end(const std::string& token);
  std::size_t size() const;

  // The Set-Cookie values: the session cookie, and the one that ends it.
  static std::string cookie(const std::string& token);
  static std::string expiredCookie();
  static constexpr const char* kCookieName = "fa_session";

 private:
  bool expired(const Session& s, std::chrono::steady_clock::time_point now) const;
  void evictLocked(std::chrono::steady_clock::time_point now);

  SessionLimits limits_;
  SteadyNow now_;
  mutable std::mutex mutex_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the token
};

// The cookie's value in a Cookie header ("" when absent).
std::string cookieValue(std::string_view header, std::string_view name);

}  // namespace fa::console

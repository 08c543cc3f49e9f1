#include "console/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "common/digest.h"
#include "common/hex.h"

namespace fa::console {

std::string randomToken() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw std::runtime_error("no random bytes for a token");
  return common::toHex(bytes.data(), bytes.size());
}

bool sameToken(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string SessionStore::create(const std::string& login) {
  const auto now = now_();
  std::string token = randomToken();
  Session s{login, randomToken(), now, now};
  std::lock_guard lock(mutex_);
  evictLocked(now);
  sessions_[common::sha256Hex(token)] = std::move(s);
  return token;
}

std::optional<Session> SessionStore::find(const std::string& token) {
  if (token.size() != 64) return std::nullopt;
  const auto now = now_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(common::sha256Hex(token));
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionStore::end(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(common::sha256Hex(token));
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

bool SessionStore::expired(const Session& s, std::chrono::steady_clock::time_point now) const {
  const auto idle = s.login.empty() ? limits_.anonymous_idle : limits_.idle;
  return now - s.last_seen >= idle || now - s.created >= limits_.lifetime;
}

// Drops expired sessions, then the least recently used ones beyond the limit (so a flood of
// login-form visits cannot grow memory without bound).
void SessionStore::evictLocked(std::chrono::steady_clock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  while (sessions_.size() >= limits_.max_sessions && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    sessions_.erase(oldest);
  }
}

std::string SessionStore::cookie(const std::string& token) {
  return std::string(kCookieName) + "=" + token + "; Path=/; HttpOnly; Secure; SameSite=Strict";
}

std::string SessionStore::expiredCookie() {
  return std::string(kCookieName) + "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict";
}

std::string cookieValue(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    pos = end + 1;
  }
  return "";
}

}  // namespace fa::console

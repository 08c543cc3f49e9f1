// The simple authenticators: none, HTTP Basic (RFC 7617), static bearer token (RFC 6750).
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "net/auth.h"

namespace fa::net {
namespace {

std::string base64(const std::string& bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  const int written =
      EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(written));
}

class NoAuth final : public Authenticator {
 public:
  std::optional<std::string> authorization() override { return std::nullopt; }
};

// The header value is computed once; both kinds are immutable, hence thread-safe.
class StaticAuth final : public Authenticator {
 public:
  explicit StaticAuth(std::string header) : header_(std::move(header)) {}
  std::optional<std::string> authorization() override { return header_; }

 private:
  const std::string header_;
};

}  // namespace

std::shared_ptr<Authenticator> makeNoAuth() {
  return std::make_shared<NoAuth>();
}

std::shared_ptr<Authenticator> makeBasicAuth(const std::string& user, const std::string& password) {
  // RFC 7617: user-id may not contain ':'; the password may.
  if (user.find(':') != std::string::npos) throw AuthError("Basic auth user name must not contain ':'");
  return std::make_shared<StaticAuth>("Basic " + base64(user + ":" + password));
}

std::shared_ptr<Authenticator> makeBearerAuth(const std::string& token) {
  if (token.empty()) throw AuthError("empty bearer token");
  return std::make_shared<StaticAuth>("Bearer " + token);
}

}  // namespace fa::net

#pragma once
// SHA-256 and HMAC-SHA256 through OpenSSL 3 EVP. The algorithm is fetched once per thread and a
// keyed HMAC context is kept per thread and key (duplicated per use): the one-shot SHA256() /
// HMAC() calls fetch it on every call, which made audit hashing several times slower.
// Thread-safe. Throws DigestError only when OpenSSL cannot provide the algorithm.
#include <stdexcept>
#include <string>
#include <string_view>

namespace fa::common {

struct DigestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string sha256(std::string_view data);     // 32 raw bytes
std::string sha256Hex(std::string_view data);  // 64 lower-case hex digits
std::string hmacSha256(std::string_view key, std::string_view data);
std::string hmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace fa::common

#include "common/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "common/hex.h"

namespace fa::common {
namespace {

struct DigestCache {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  DigestCache() = default;
  DigestCache(const DigestCache&) = delete;
  DigestCache& operator=(const DigestCache&) = delete;
  ~DigestCache() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

struct HmacCache {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* keyed = nullptr;
  std::string key;
  HmacCache() = default;
  HmacCache(const HmacCache&) = delete;
  HmacCache& operator=(const HmacCache&) = delete;
  ~HmacCache() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
};

// The per-thread context keyed with `key`, made when the key changes.
EVP_MAC_CTX* keyedContext(HmacCache& cache, std::string_view key) {
  if (!cache.mac) throw DigestError("HMAC-SHA256 is not available (OpenSSL)");
  if (cache.keyed && cache.key == key) return cache.keyed;
  EVP_MAC_CTX_free(cache.keyed);
  cache.keyed = EVP_MAC_CTX_new(cache.mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!cache.keyed || !EVP_MAC_init(cache.keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
    EVP_MAC_CTX_free(cache.keyed);
    cache.keyed = nullptr;
    throw DigestError("HMAC-SHA256 failed (OpenSSL)");
  }
  cache.key.assign(key);
  return cache.keyed;
}

}  // namespace

std::string sha256(std::string_view data) {
  thread_local DigestCache cache;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cache.md || !cache.ctx || !EVP_DigestInit_ex(cache.ctx, cache.md, nullptr) ||
      !EVP_DigestUpdate(cache.ctx, data.data(), data.size()) || !EVP_DigestFinal_ex(cache.ctx, md, &len))
    throw DigestError("SHA-256 failed (OpenSSL)");
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string sha256Hex(std::string_view data) {
  return toHex(sha256(data));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  thread_local HmacCache cache;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyedContext(cache, key));
  unsigned char md[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  const bool ok = ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) &&
                  EVP_MAC_final(ctx, md, &len, sizeof md);
  EVP_MAC_CTX_free(ctx);
  if (!ok) throw DigestError("HMAC-SHA256 failed (OpenSSL)");
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  return toHex(hmacSha256(key, data));
}

}  // namespace fa::common

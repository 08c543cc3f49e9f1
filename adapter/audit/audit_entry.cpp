#include "audit/audit_entry.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <rapidjson/document.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>

#include "fhir/json_text.h"

namespace fa::audit {
namespace {

// One JSON string escaper for records, logs and audit entries.
using fhir::appendJsonString;

void appendField(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(',');
  out.push_back('"');
  out += key;
  out += "\":";
  if (value.empty()) {
    out += "null";
  } else {
    appendJsonString(out, value);
  }
}

bool readString(const rapidjson::Value& obj, const char* key, std::string& out, std::string* why) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) {
    if (why) *why = std::string("field ") + key + " is missing";
    return false;
  }
  if (it->value.IsNull()) {
    out.clear();
    return true;
  }
  if (!it->value.IsString()) {
    if (why) *why = std::string("field ") + key + " is not a string";
    return false;
  }
  out.assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

}  // namespace

std::string toHex(const unsigned char* data, std::size_t n) {
  static const char* hex = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = hex[data[i] >> 4];
    out[2 * i + 1] = hex[data[i] & 0xf];
  }
  return out;
}

bool fromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.resize(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return true;
}

// OpenSSL 3 one-shot SHA256()/HMAC() fetch the algorithm on every call; a per-thread fetched
// digest and a keyed HMAC context (duplicated per use) make hashing several times faster.
namespace {

struct DigestCache {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestCache() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

struct HmacCache {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* keyed = nullptr;
  std::string key;
  ~HmacCache() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
};

}  // namespace

std::string sha256Hex(std::string_view data) {
  thread_local DigestCache cache;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!cache.md || !cache.ctx || !EVP_DigestInit_ex(cache.ctx, cache.md, nullptr) ||
      !EVP_DigestUpdate(cache.ctx, data.data(), data.size()) || !EVP_DigestFinal_ex(cache.ctx, md, &len))
    throw AuditError("SHA-256 failed (OpenSSL)");
  return toHex(md, len);
}

std::string hmacHex(std::string_view key, std::string_view data) {
  thread_local HmacCache cache;
  if (!cache.mac) throw AuditError("HMAC-SHA256 is not available (OpenSSL)");
  if (!cache.keyed || cache.key != key) {
    EVP_MAC_CTX_free(cache.keyed);
    cache.keyed = EVP_MAC_CTX_new(cache.mac);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    if (!cache.keyed || !EVP_MAC_init(cache.keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
      EVP_MAC_CTX_free(cache.keyed);
      cache.keyed = nullptr;
      throw AuditError("HMAC-SHA256 failed (OpenSSL)");
    }
    cache.key.assign(key);
  }
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(cache.keyed);
  unsigned char md[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  const bool ok = ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) &&
                  EVP_MAC_final(ctx, md, &len, sizeof md);
  EVP_MAC_CTX_free(ctx);
  if (!ok) throw AuditError("HMAC-SHA256 failed (OpenSSL)");
  return toHex(md, len);
}

std::string entryMac(std::string_view key, std::string_view hash_hex) {
  std::string raw;
  if (!fromHex(hash_hex, raw)) return std::string();
  return hmacHex(key, raw);
}

std::string canonicalBody(const AuditEntry& e) {
  std::string out;
  out.reserve(320 + e.details.size() * 32);
  out += "{\"seq\":";
  out += std::to_string(e.seq);
  appendField(out, "time", e.time);
  appendField(out, "actor", e.actor);
  appendField(out, "action", e.action);
  appendField(out, "record_key", e.record_key);
  appendField(out, "source_ref", e.source_ref);
  appendField(out, "source_server", e.source_server);
  appendField(out, "rule_version", e.rule_version);
  appendField(out, "outcome", e.outcome);
  out += ",\"details\":{";
  bool first = true;
  for (const auto& [k, v] : e.details) {
    if (!first) out.push_back(',');
    first = false;
    appendJsonString(out, k);
    out.push_back(':');
    appendJsonString(out, v);
  }
  out += "}";
  appendField(out, "prev", e.prev);
  return out;
}

std::string canonicalLine(const AuditEntry& e) {
  return lineFromBody(canonicalBody(e), e);
}

std::string lineFromBody(std::string body, const AuditEntry& e) {
  std::string out = std::move(body);
  appendField(out, "hash", e.hash);
  if (!e.mac.empty()) appendField(out, "mac", e.mac);
  out.push_back('}');
  return out;
}

std::string seal(AuditEntry& e, std::string_view key) {
  std::string body = canonicalBody(e);
  e.hash = sha256Hex(body);
  e.mac = key.empty() ? std::string() : entryMac(key, e.hash);
  return lineFromBody(std::move(body), e);
}

std::optional<AuditEntry> parseEntry(std::string_view line, std::string* why) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  if (doc.HasParseError()) {
    if (why) *why = "not valid JSON (offset " + std::to_string(doc.GetErrorOffset()) + ")";
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    if (why) *why = "not a JSON object";
    return std::nullopt;
  }
  AuditEntry e;
  auto seq = doc.FindMember("seq");
  if (seq == doc.MemberEnd() || !seq->value.IsUint64()) {
    if (why) *why = "field seq is missing or not a whole number";
    return std::nullopt;
  }
  e.seq = seq->value.GetUint64();
  if (!readString(doc, "time", e.time, why) || !readString(doc, "actor", e.actor, why) ||
      !readString(doc, "action", e.action, why) || !readString(doc, "record_key", e.record_key, why) ||
      !readString(doc, "source_ref", e.source_ref, why) || !readString(doc, "source_server", e.source_server, why) ||
      !readString(doc, "rule_version", e.rule_version, why) || !readString(doc, "outcome", e.outcome, why) ||
      !readString(doc, "prev", e.prev, why) || !readString(doc, "hash", e.hash, why))
    return std::nullopt;
  if (doc.HasMember("mac") && !readString(doc, "mac", e.mac, why)) return std::nullopt;
  auto details = doc.FindMember("details");
  if (details == doc.MemberEnd() || !details->value.IsObject()) {
    if (why) *why = "field details is missing or not an object";
    return std::nullopt;
  }
  for (auto it = details->value.MemberBegin(); it != details->value.MemberEnd(); ++it) {
    if (!it->value.IsString()) {
      if (why) *why = "details value is not a string";
      return std::nullopt;
    }
    e.details[std::string(it->name.GetString(), it->name.GetStringLength())] =
        std::string(it->value.GetString(), it->value.GetStringLength());
  }
  if (canonicalLine(e) != line) {
    if (why) *why = "not in canonical form (bytes changed, fields added, removed or reordered)";
    return std::nullopt;
  }
  return e;
}

std::string sanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && n == 2) ok = c >= 0xc2;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xf4 && !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

std::string utcNow() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string loadKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AuditError("cannot read the audit key file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ' || key.back() == '\t'))
    key.pop_back();
  if (key.size() < 32)
    throw AuditError("the audit key file " + path + " holds " + std::to_string(key.size()) +
                     " bytes; at least 32 are needed (e.g. `openssl rand -hex 32 > FILE`)");
  return key;
}

}  // namespace fa::audit

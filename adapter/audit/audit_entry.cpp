#include "audit/audit_entry.h"

#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "common/json_depth.h"
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

std::string entryMac(std::string_view key, std::string_view hash_hex) {
  std::string raw;
  if (!fromHex(hash_hex, raw)) return std::string();
  return common::hmacSha256Hex(key, raw);
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
  common::parseBounded<rapidjson::kParseValidateEncodingFlag>(doc, line);
  if (doc.HasParseError()) {
    if (why) *why = "not valid JSON (offset " + std::to_string(doc.GetErrorOffset()) + ")";
    return std::nullopt;
  }
  if (!doc.IsObject()) {
    if (why) *why = "not a JSON object";
    return std::nullopt;
  }
  AuditEntry e;
  auto seq = std::as_const(doc).FindMember("seq");
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
  auto details = std::as_const(doc).FindMember("details");
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

#pragma once
// One audit entry, its canonical JSON line, and the hashes that chain entries together.
//
// A line is the canonical serialisation of the entry (fixed key order, no spaces, strings
// escaped one way only, empty strings written as null, details sorted by key):
//
//   {"seq":N,"time":"...Z","actor":...,"action":...,"record_key":...,"source_ref":...,
//    "source_server":...,"rule_version":...,"outcome":...,"details":{...},"prev":"<hex>",
//    "hash":"<hex>"[,"mac":"<hex>"]}\n
//
// hash = SHA-256 of the bytes before ,"hash" (the body, which includes prev: the previous
// entry's hash, 64 zeros for the first entry); mac = HMAC-SHA256(key, the 32 raw hash bytes),
// present on every entry when the log is written with a key. Parsing re-serialises the entry
// and demands the exact same bytes, so any change of spelling, spacing or order is caught too.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/hex.h"

namespace fa::audit {

class AuditError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::string_view kCheckpointAction = "audit_checkpoint";

struct AuditEntry {
  std::uint64_t seq = 0;
  std::string time;  // UTC instant, milliseconds: 2026-03-01T08:00:00.000Z
  std::string actor;
  std::string action;
  std::string record_key;
  std::string source_ref;
  std::string source_server;
  std::string rule_version;
  std::string outcome;
  std::map<std::string, std::string> details;
  std::string prev;  // hex SHA-256 of the previous entry
  std::string hash;  // hex SHA-256 of this entry's body
  std::string mac;   // hex HMAC-SHA256 of the hash; empty when written without a key

  bool isCheckpoint() const { return action == kCheckpointAction; }
  std::string detail(const std::string& key) const {
    auto it = details.find(key);
    return it == details.end() ? std::string() : it->second;
  }
};

// The body (everything hashed): the line up to, not including, ,"hash".
std::string canonicalBody(const AuditEntry& e);
// The complete line without the trailing newline.
std::string canonicalLine(const AuditEntry& e);
// The line of an entry whose body is already serialised.
std::string lineFromBody(std::string body, const AuditEntry& e);
// Fills hash (and mac when key is non-empty) from the entry's other fields; returns the line.
std::string seal(AuditEntry& e, std::string_view key);

// Parses one line (without newline). nullopt with `why` when it is not a canonical entry.
std::optional<AuditEntry> parseEntry(std::string_view line, std::string* why = nullptr);

// The hashing and hex helpers live in common/; audit code and its tests name them audit::.
using common::fromHex;
using common::sha256Hex;
using common::toHex;
// HMAC-SHA256 over the raw bytes of a hex hash (what an entry's mac covers).
std::string entryMac(std::string_view key, std::string_view hash_hex);

// Replaces invalid UTF-8 with '?', so every stored string round-trips exactly.
std::string sanitizeUtf8(std::string_view s);

// Reads a key file: the bytes, trailing whitespace removed; at least 32 bytes.
std::string loadKeyFile(const std::string& path);

}  // namespace fa::audit

#pragma once
// Console accounts (docs/contract.md, "The review console"): a login, a printed name (shown on
// every signature, 21 CFR Part 11 11.50), a role, and a salted slow hash of the password
// (argon2id, libargon2). Pure values and rules here; accounts_file.h keeps them on disk.
//
// Roles: monitor (review and sign), data-manager (review, cannot sign), viewer (read only).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fa::console {

enum class Role { Monitor, DataManager, Viewer };

std::string roleName(Role r);                          // monitor | data-manager | viewer
std::optional<Role> parseRole(std::string_view text);  // nullopt for anything else
bool canReview(Role r);                                // monitor, data-manager
bool canSign(Role r);                                  // monitor only

struct Account {
  std::string login;  // [a-z0-9._-], 1 to 64 characters
  std::string name;   // printed name, 1 to 100 characters, one line
  Role role = Role::Viewer;
  bool disabled = false;
  std::string password_hash;  // argon2id encoded string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)
  std::string changed;        // UTC instant of the last change
};

// "" when usable, else why (for usage errors and the login form).
std::string loginProblem(std::string_view login);
std::string nameProblem(std::string_view name);
// At least 12 characters and at most 256; no other rule (NIST SP 800-63B).
std::string passwordProblem(std::string_view password);

// The argon2id work factor. The default follows OWASP (19 MiB, 2 passes, 1 lane); tests pass a
// small one so they stay fast.
struct HashCost {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t passes = 2;
  std::uint32_t lanes = 1;
};

// A fresh 16-byte random salt (OpenSSL RAND_bytes) each time; throws std::runtime_error when
// the hash cannot be made.
std::string hashPassword(std::string_view password, const HashCost& cost = {});
// True when the password matches the encoded hash; false for a mismatch or a malformed hash.
bool verifyPassword(std::string_view encoded, std::string_view password);

// One line of the users file (tab-separated: login, role, state, changed, hash, name) and back.
std::string formatAccountLine(const Account& a);
std::optional<Account> parseAccountLine(std::string_view line, std::string* why = nullptr);

}  // namespace fa::console

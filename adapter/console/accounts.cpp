#include "console/accounts.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace fa::console {
namespace {

bool oneLine(std::string_view s) {
  for (char ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  return true;
}

std::vector<std::string_view> splitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

}  // namespace

std::string roleName(Role r) {
  switch (r) {
    case Role::Monitor:
      return "monitor";
    case Role::DataManager:
      return "data-manager";
    case Role::Viewer:
      return "viewer";
  }
  return "viewer";
}

std::optional<Role> parseRole(std::string_view text) {
  if (text == "monitor") return Role::Monitor;
  if (text == "data-manager") return Role::DataManager;
  if (text == "viewer") return Role::Viewer;
  return std::nullopt;
}

bool canReview(Role r) {
  return r == Role::Monitor || r == Role::DataManager;
}

bool canSign(Role r) {
  return r == Role::Monitor;
}

std::string loginProblem(std::string_view login) {
  if (login.empty() || login.size() > 64) return "a login is 1 to 64 characters";
  for (char ch : login) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return "a login uses only a-z, 0-9, '.', '_' and '-'";
  }
  return "";
}

std::string nameProblem(std::string_view name) {
  if (name.empty() || name.size() > 100) return "a printed name is 1 to 100 characters";
  if (!oneLine(name)) return "a printed name is one line without control characters";
  return "";
}

std::string passwordProblem(std::string_view password) {
  if (password.size() < 12) return "a password has at least 12 characters";
  if (password.size() > 256) return "a password has at most 256 characters";
  return "";
}

std::string hashPassword(std::string_view password, const HashCost& cost) {
  std::array<unsigned char, 16> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("no random bytes for a salt");
  constexpr std::size_t kHashBytes = 32;
  std::string encoded(argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, salt.size(), kHashBytes, Argon2_id), '\0');
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(), password.size(), salt.data(),
                                       salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verifyPassword(std::string_view encoded, std::string_view password) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  const std::string z(encoded);  // argon2 wants a NUL-terminated string
  return argon2id_verify(z.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string formatAccountLine(const Account& a) {
  return a.login + "\t" + roleName(a.role) + "\t" + (a.disabled ? "disabled" : "active") + "\t" + a.changed + "\t" +
         a.password_hash + "\t" + a.name;
}

std::optional<Account> parseAccountLine(std::string_view line, std::string* why) {
  auto bad = [why](const char* text) -> std::optional<Account> {
    if (why) *why = text;
    return std::nullopt;
  };
  const auto f = splitTabs(line);
  if (f.size() != 6) return bad("expected 6 tab-separated fields");
  Account a;
  a.login = std::string(f[0]);
  if (!loginProblem(a.login).empty()) return bad("bad login");
  auto role = parseRole(f[1]);
  if (!role) return bad("bad role");
  a.role = *role;
  if (f[2] != "active" && f[2] != "disabled") return bad("bad state");
  a.disabled = f[2] == "disabled";
  a.changed = std::string(f[3]);
  a.password_hash = std::string(f[4]);
  if (a.password_hash.rfind("$argon2id$", 0) != 0) return bad("bad password hash");
  a.name = std::string(f[5]);
  if (!nameProblem(a.name).empty()) return bad("bad printed name");
  return a;
}

}  // namespace fa::console

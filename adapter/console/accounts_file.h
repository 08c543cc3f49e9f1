#pragma once
// The users file (`[review] users_file`): one account per line (accounts.h), written only by
// `fhir-adapter user`, mode 0600, replaced atomically (a temporary file, fsync, rename), so the
// daemon, which rereads it at each login, never sees half a file.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "console/accounts.h"

namespace fa::console {

class AccountsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every account; an absent file has none. Throws AccountsError naming the file and line of a
// line that is not an account (the file is never guessed at).
std::vector<Account> loadAccounts(const std::filesystem::path& file);
// Replaces the file with these accounts (mode 0600). Throws AccountsError.
void saveAccounts(const std::filesystem::path& file, const std::vector<Account>& accounts);

const Account* findAccount(const std::vector<Account>& accounts, const std::string& login);
Account* findAccount(std::vector<Account>& accounts, const std::string& login);

}  // namespace fa::console

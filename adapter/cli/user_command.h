#pragma once
// `fhir-adapter user add|passwd|disable|list --config FILE --login ID [--name "Full Name"]
// [--role monitor|data-manager|viewer] [--password-file F]`: the review console's accounts in
// `[review] users_file` (docs/contract.md, "The review console"). The password is read from
// the terminal without echo (twice), or from --password-file; it is stored only as an argon2id
// hash. Each change is audited (login, role; never the password). Exit 0; 2 on usage errors.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct UserArguments {
  std::string config, login, name, role, password_file;
};

void addUserCommands(CLI::App& app, UserArguments& args);
std::optional<int> runUserCommand(const CLI::App& app, const UserArguments& args);

// A password from the file (first line), or else from the terminal without echo; `confirm`
// asks twice. nullopt with the reason printed on standard error.
std::optional<std::string> readPassword(const std::string& password_file, const char* command, bool confirm);

}  // namespace fa::cli

#include "cli/user_command.h"

#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "audit/audit_log.h"
#include "cli/exit_codes.h"
#include "common/instant.h"
#include "console/accounts_file.h"
#include "daemon/audit_events.h"
#include "daemon/daemon_config.h"

namespace fa::cli {
namespace {

int fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "fhir-adapter %s: %s\n", command.c_str(), message.c_str());
  return kExitUsage;
}

// One line from the terminal with echo off (restored afterwards, also on a read error).
std::optional<std::string> readHidden(const char* prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return std::nullopt;
  std::fputs(prompt, tty);
  std::fflush(tty);
  termios old{};
  const int fd = fileno(tty);
  const bool haveTerm = tcgetattr(fd, &old) == 0;
  if (haveTerm) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char buf[512];
  const bool got = std::fgets(buf, sizeof buf, tty) != nullptr;
  if (haveTerm) tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  if (!got) return std::nullopt;
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

std::string osUser() {
  const passwd* pw = getpwuid(getuid());
  return pw && pw->pw_name ? pw->pw_name : std::to_string(getuid());
}

// The account change in the audit log: who (the OS user running the command), which login,
// its role and state; never a password or its hash.
bool auditChange(const daemon::DaemonConfig& c, const std::string& action, const console::Account& a) {
  audit::AuditEvent e;
  e.actor = "fhir-adapter/user";
  e.action = action;
  e.record_key = a.login;
  e.details = {{"login", a.login},
               {"role", console::roleName(a.role)},
               {"os_user", osUser()},
               {"state", a.disabled ? "disabled" : "active"}};
  try {
    auto log = audit::AuditLog::open(daemon::auditSettings(c, "fhir-adapter user"));
    log->append(e);
    log->close();
    return true;
  } catch (const audit::AuditError& err) {
    std::fprintf(stderr, "fhir-adapter user: the audit log cannot be written: %s\n", err.what());
    return false;
  }
}

int runAdd(const daemon::DaemonConfig& c, const UserArguments& args, std::vector<console::Account>& accounts) {
  if (std::string p = console::nameProblem(args.name); !p.empty()) return fail("user add", "--name: " + p);
  auto role = console::parseRole(args.role.empty() ? "viewer" : args.role);
  if (!role) return fail("user add", "--role must be monitor, data-manager or viewer");
  if (console::findAccount(accounts, args.login)) return fail("user add", args.login + " exists (use passwd or disable)");
  auto password = readPassword(args.password_file, "user add", true);
  if (!password) return kExitUsage;
  console::Account a{args.login, args.name, *role, false, console::hashPassword(*password), common::nowInstant()};
  accounts.push_back(a);
  console::saveAccounts(c.review.users_file, accounts);
  if (!auditChange(c, "account_added", a)) return kExitAuditBroken;
  std::printf("added %s (%s, %s)\n", a.login.c_str(), a.name.c_str(), console::roleName(a.role).c_str());
  return kExitOk;
}

int runChange(const daemon::DaemonConfig& c, const UserArguments& args, std::vector<console::Account>& accounts, bool disable) {
  const std::string command = disable ? "user disable" : "user passwd";
  console::Account* a = console::findAccount(accounts, args.login);
  if (!a) return fail(command, "no account " + args.login);
  if (disable) {
    a->disabled = true;
  } else {
    auto password = readPassword(args.password_file, command.c_str(), true);
    if (!password) return kExitUsage;
    a->password_hash = console::hashPassword(*password);
    a->disabled = false;  // a new password re-enables a disabled or locked-out account
  }
  a->changed = common::nowInstant();
  const console::Account changed = *a;
  console::saveAccounts(c.review.users_file, accounts);
  if (!auditChange(c, disable ? "account_disabled" : "account_password_changed", changed)) return kExitAuditBroken;
  std::printf("%s %s\n", disable ? "disabled" : "password changed for", changed.login.c_str());
  return kExitOk;
}

int runList(const std::vector<console::Account>& accounts) {
  std::printf("%-20s %-14s %-9s %-25s %s\n", "login", "role", "state", "changed", "name");
  for (const console::Account& a : accounts)
    std::printf("%-20s %-14s %-9s %-25s %s\n", a.login.c_str(), console::roleName(a.role).c_str(),
                a.disabled ? "disabled" : "active", a.changed.c_str(), a.name.c_str());
  std::fprintf(stderr, "fhir-adapter user list: %zu accounts\n", accounts.size());
  return kExitOk;
}

}  // namespace

std::optional<std::string> readPassword(const std::string& password_file, const char* command, bool confirm) {
  std::string password;
  if (!password_file.empty()) {
    std::ifstream in(password_file, std::ios::binary);
    if (!in || !std::getline(in, password)) {
      fail(command, "cannot read --password-file " + password_file);
      return std::nullopt;
    }
    while (!password.empty() && password.back() == '\r')
      password.pop_back();
  } else {
    auto first = readHidden("Password: ");
    if (!first) {
      fail(command, "no terminal to read the password from: use --password-file");
      return std::nullopt;
    }
    if (confirm && readHidden("Password again: ") != first) {
      fail(command, "the passwords differ");
      return std::nullopt;
    }
    password = *first;
  }
  if (confirm) {
    if (std::string p = console::passwordProblem(password); !p.empty()) {
      fail(command, p);
      return std::nullopt;
    }
  }
  return password;
}

void addUserCommands(CLI::App& app, UserArguments& args) {
  CLI::App* user = app.add_subcommand("user", "Accounts of the review console ([review] users_file)");
  user->require_subcommand(1);
  auto common = [&args](CLI::App* cmd, bool login) {
    cmd->add_option("--config", args.config, "configuration file (TOML)")->required();
    if (login) cmd->add_option("--login", args.login, "the account's login (a-z, 0-9, . _ -)")->required();
  };
  CLI::App* add = user->add_subcommand("add", "Add an account (password from the terminal or --password-file)");
  common(add, true);
  add->add_option("--name", args.name, "printed name, shown on signatures")->required();
  add->add_option("--role", args.role, "monitor (review and sign), data-manager (review), viewer (read only)");
  add->add_option("--password-file", args.password_file, "file whose first line is the password");
  CLI::App* passwd = user->add_subcommand("passwd", "Set a new password (also re-enables the account)");
  common(passwd, true);
  passwd->add_option("--password-file", args.password_file, "file whose first line is the password");
  common(user->add_subcommand("disable", "Disable an account (its sessions end at their next request)"), true);
  common(user->add_subcommand("list", "List the accounts (never their hashes)"), false);
}

std::optional<int> runUserCommand(const CLI::App& app, const UserArguments& args) {
  if (!app.got_subcommand("user")) return std::nullopt;
  const CLI::App* user = app.get_subcommand("user");
  const std::string name = "user " + user->get_subcommands().front()->get_name();
  daemon::DaemonConfig c;
  try {
    c = daemon::loadDaemonConfig(args.config);
  } catch (const daemon::DaemonConfigError& e) {
    for (const std::string& p : e.problems())
      fail(name, p);
    return kExitUsage;
  }
  if (!c.review.enabled) return fail(name, args.config + ": no [review] section (users_file)");
  if (!user->got_subcommand("list"))
    if (std::string p = console::loginProblem(args.login); !p.empty()) return fail(name, "--login: " + p);
  try {
    auto accounts = console::loadAccounts(c.review.users_file);
    if (user->got_subcommand("add")) return runAdd(c, args, accounts);
    if (user->got_subcommand("list")) return runList(accounts);
    return runChange(c, args, accounts, user->got_subcommand("disable"));
  } catch (const console::AccountsError& e) {
    return fail(name, e.what());
  }
}

}  // namespace fa::cli

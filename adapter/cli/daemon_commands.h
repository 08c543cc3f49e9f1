#pragma once
// `fhir-adapter run`, `records` and `check-config`: the daemon-side commands (docs/contract.md).
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct DaemonArguments {
  std::string config;
  bool once = false;
  bool skip_rescan = false;
  bool allow_mass_withdrawal = false;
  bool accept_server_change = false;
  bool bulk = false;
  bool offline = false;
  std::string format = "ndjson";
  bool excel = false;  // records: CSV with a UTF-8 byte order mark, so Excel reads it as UTF-8
  std::string output;  // records --output
  std::vector<std::string> subjects, analytes, visits, flags;  // records filters
};

void addDaemonCommands(CLI::App& app, DaemonArguments& args);
// Runs the chosen daemon command; nullopt when none of them was chosen.
std::optional<int> runDaemonCommand(const CLI::App& app, const DaemonArguments& args);

}  // namespace fa::cli

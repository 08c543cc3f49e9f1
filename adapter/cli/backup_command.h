#pragma once
// `fhir-adapter backup --config FILE --to DIR` and `fhir-adapter restore --from DIR --config FILE
// [--force]` (docs/contract.md, "fhir-adapter backup"; adapter/backup/backup.h).
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct BackupArguments {
  std::string config;
  std::string to;
  std::string from;
  bool force = false;
};

void addBackupCommands(CLI::App& app, BackupArguments& args);
// Runs backup or restore; nullopt when neither was chosen.
std::optional<int> runBackupCommand(const CLI::App& app, const BackupArguments& args);

}  // namespace fa::cli

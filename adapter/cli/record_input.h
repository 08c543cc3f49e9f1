#pragma once
// The record input shared by the commands that read finished records (`report`, `export`):
// `--config FILE` reads the store (and the audit log) of a daemon configuration; `--mappings DIR
// [RECORDS|-]` reads the NDJSON or CSV that `map` or `records` printed. docs/contract.md.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mapping/trial_config.h"
#include "record_source/record_source.h"

namespace fa::cli {

struct RecordInputArguments {
  std::string config;
  std::string mappings;
  std::string records = "-";
  std::string audit_dir;
};

// Adds --config, --mappings, the RECORDS argument and --audit-dir to `command`.
void addRecordInputOptions(CLI::App* command, RecordInputArguments& args);

struct RecordInput {
  std::shared_ptr<const mapping::TrialConfig> trial;
  record_source::RecordSet set;
  std::filesystem::path audit_dir;  // empty: none (from --audit-dir, else [audit] dir of --config)
  std::optional<std::filesystem::path> store_path;
};

// Loads the mappings and the records. Problems of single lines are printed to standard error
// ("fhir-adapter <command>: ...") and kept in set.problems (the caller's exit code tells them);
// a configuration, mappings or store that cannot be read is printed too and gives nullopt
// (exit 2, nothing written).
std::optional<RecordInput> openRecordInput(const RecordInputArguments& args, const char* command);

}  // namespace fa::cli

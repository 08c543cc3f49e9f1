#include "cli/record_input.h"

#include <cstdio>

#include "daemon/daemon_config.h"
#include "mapping/config_loader.h"
#include "store/sqlite_db.h"

namespace fa::cli {
namespace {

void printProblems(const std::vector<std::string>& problems, const char* command) {
  for (const std::string& p : problems)
    std::fprintf(stderr, "fhir-adapter %s: %s\n", command, p.c_str());
}

std::shared_ptr<const mapping::TrialConfig> loadMappings(const std::filesystem::path& dir, const char* command) {
  try {
    return mapping::loadTrialConfig(dir);
  } catch (const mapping::ConfigError& e) {
    printProblems(e.problems(), command);
    return nullptr;
  }
}

std::optional<RecordInput> fromConfig(const RecordInputArguments& args, const char* command) {
  daemon::DaemonConfig config;
  try {
    config = daemon::loadDaemonConfig(args.config);
  } catch (const daemon::DaemonConfigError& e) {
    printProblems(e.problems(), command);
    return std::nullopt;
  }
  RecordInput input;
  input.trial = loadMappings(config.trial.mappings, command);
  if (!input.trial) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::exists(config.store.path, ec)) {
    std::fprintf(stderr, "fhir-adapter %s: %s: no store yet (run the daemon first)\n", command,
                 config.store.path.string().c_str());
    return std::nullopt;
  }
  try {
    input.set = record_source::readStore(config.store.path, *input.trial);
  } catch (const store::StoreError& e) {
    std::fprintf(stderr, "fhir-adapter %s: %s: %s\n", command, config.store.path.string().c_str(), e.what());
    return std::nullopt;
  }
  input.store_path = config.store.path;
  input.audit_dir = args.audit_dir.empty() ? config.audit.dir : std::filesystem::path(args.audit_dir);
  return input;
}

}  // namespace

void addRecordInputOptions(CLI::App* command, RecordInputArguments& args) {
  CLI::Option* config = command->add_option("--config", args.config, "daemon configuration (TOML): read its store and audit log");
  CLI::Option* mappings =
      command->add_option("--mappings", args.mappings, "fhir-mappings folder, with RECORDS printed by map or records");
  config->excludes(mappings);
  command->add_option("RECORDS", args.records, "records (NDJSON or records CSV), or - for standard input (default)");
  command->add_option("--audit-dir", args.audit_dir, "audit log folder ([audit] dir): reviewer decisions");
}

std::optional<RecordInput> openRecordInput(const RecordInputArguments& args, const char* command) {
  if (args.config.empty() == args.mappings.empty()) {
    std::fprintf(stderr, "fhir-adapter %s: give --config FILE (a daemon's store) or --mappings DIR [RECORDS]\n", command);
    return std::nullopt;
  }
  if (!args.config.empty()) {
    auto input = fromConfig(args, command);
    if (input) printProblems(input->set.problems, command);
    return input;
  }
  std::error_code ec;
  if (args.records != "-" && (!std::filesystem::exists(args.records, ec) || std::filesystem::is_directory(args.records, ec))) {
    std::fprintf(stderr, "fhir-adapter %s: %s: cannot be read: %s\n", command, args.records.c_str(),
                 std::filesystem::is_directory(args.records, ec) ? "is a directory" : "no such file");
    return std::nullopt;
  }
  RecordInput input;
  input.trial = loadMappings(args.mappings, command);
  if (!input.trial) return std::nullopt;
  input.set = record_source::readRecordsFile(args.records, *input.trial);
  input.audit_dir = args.audit_dir;
  printProblems(input.set.problems, command);
  return input;
}

}  // namespace fa::cli

#include "cli/backup_command.h"

#include <cstdio>

#include "backup/backup.h"
#include "cli/exit_codes.h"
#include "daemon/daemon_config.h"
#include "store/private_files.h"
#include "store/store_backup.h"
#include "store/store_lock.h"

namespace fa::cli {
namespace {

backup::LiveFiles liveFiles(const daemon::DaemonConfig& c) {
  return {c.store.path, c.audit.dir, c.audit.anchor_path};
}

std::optional<daemon::DaemonConfig> loadConfig(const std::string& command, const std::string& file) {
  try {
    return daemon::loadDaemonConfig(file);
  } catch (const daemon::DaemonConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter %s: %s\n", command.c_str(), p.c_str());
    return std::nullopt;
  }
}

int runBackup(const BackupArguments& args) {
  auto c = loadConfig("backup", args.config);
  if (!c) return kExitUsage;
  try {
    const auto entries = backup::writeBackup(liveFiles(*c), args.to);
    std::uint64_t bytes = 0;
    for (const auto& e : entries)
      bytes += e.bytes;
    const std::string integrity = store::integrityCheck(args.to + "/" + backup::kStoreName);
    if (integrity != "ok") {
      std::fprintf(stderr, "fhir-adapter backup: %s/%s: integrity check: %s\n", args.to.c_str(), backup::kStoreName,
                   integrity.c_str());
      return kExitRejected;
    }
    std::printf("backup written: %s (%zu files, %llu bytes, manifest %s; store integrity ok)\n", args.to.c_str(), entries.size(),
                static_cast<unsigned long long>(bytes), backup::kManifestName);
    return kExitOk;
  } catch (const std::exception& e) {  // BackupError, StoreError, filesystem errors: named with the file
    std::fprintf(stderr, "fhir-adapter backup: %s\n", e.what());
    return kExitRejected;
  }
}

int runRestore(const BackupArguments& args) {
  auto c = loadConfig("restore", args.config);
  if (!c) return kExitUsage;
  try {
    // No daemon may run on the store while it is replaced (the lock file lives beside it).
    store::createPrivateDirectories(c->store.path.parent_path().string());
    const store::StoreLock lock = store::StoreLock::acquire(c->store.path.string());
    backup::restoreBackup(args.from, liveFiles(*c), args.force);
    std::printf("restored %s into %s and %s; next: fhir-adapter run --once --config %s (catch up and rescan)\n",
                args.from.c_str(), c->store.path.string().c_str(), c->audit.dir.string().c_str(), args.config.c_str());
    return kExitOk;
  } catch (const store::StoreLockedError& e) {
    std::fprintf(stderr, "fhir-adapter restore: %s (stop the daemon first; nothing was touched)\n", e.what());
    return kExitUsage;
  } catch (const backup::BackupError& e) {
    std::fprintf(stderr, "fhir-adapter restore: %s\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fhir-adapter restore: %s\n", e.what());
    return kExitRejected;
  }
}

}  // namespace

void addBackupCommands(CLI::App& app, BackupArguments& args) {
  CLI::App* backup = app.add_subcommand("backup", "Copy the store and the audit log (safe while the daemon runs)");
  backup->add_option("--config", args.config, "configuration file (TOML)")->required();
  backup->add_option("--to", args.to, "new or empty folder for the backup")->required();
  CLI::App* restore = app.add_subcommand("restore", "Check a backup's manifest, then put it back (the daemon stopped)");
  restore->add_option("--from", args.from, "backup folder written by fhir-adapter backup")->required();
  restore->add_option("--config", args.config, "configuration file (TOML)")->required();
  restore->add_flag("--force", args.force, "replace a store and audit log that already hold data");
}

std::optional<int> runBackupCommand(const CLI::App& app, const BackupArguments& args) {
  if (app.got_subcommand("backup")) return runBackup(args);
  if (app.got_subcommand("restore")) return runRestore(args);
  return std::nullopt;
}

}  // namespace fa::cli

#include "cli/daemon_commands.h"

#include <cstdio>
#include <filesystem>

#include "cli/exit_codes.h"
#include "daemon/daemon_runner.h"

namespace fa::cli {

void addDaemonCommands(CLI::App& app, DaemonArguments& args) {
  CLI::App* run = app.add_subcommand("run", "Run the daemon: poll the FHIR server, store records, serve health and metrics");
  run->add_option("--config", args.config, "configuration file (TOML)")->required();
  CLI::Option* once = run->add_flag("--once", args.once, "one complete sync pass (including deletions), then exit");
  run->add_flag("--skip-rescan", args.skip_rescan, "with --once: an incremental pass only, without the deletion check")
      ->needs(once);
  run->add_flag("--allow-mass-withdrawal", args.allow_mass_withdrawal,
                "this run may withdraw more than [sync] max_withdraw_fraction of the records (audited)");
  run->add_flag("--bulk", args.bulk, "with --once: one Bulk Data $export pass first ([bulk] settings), whatever the store holds")
      ->needs(once);
  run->add_flag("--accept-server-change", args.accept_server_change,
                "the store was filled from another [fhir] base_url: use this one from now on (audited)");

  CLI::App* records = app.add_subcommand("records", "Print the stored records exactly as map prints them");
  records->add_option("--config", args.config, "configuration file (TOML)")->required();
  CLI::Option* format =
      records->add_option("--format", args.format, "ndjson (default) or csv")->check(CLI::IsMember({"ndjson", "csv"}));
  records->add_flag("--excel", args.excel, "CSV starting with a UTF-8 byte order mark, for Excel (implies --format csv)")
      ->excludes(format);

  CLI::App* check =
      app.add_subcommand("check-config", "Validate configuration, mappings, roster and (unless --offline) the server");
  check->add_option("--config", args.config, "configuration file (TOML)")->required();
  check->add_flag("--offline", args.offline, "do not contact the FHIR server");
}

std::optional<int> runDaemonCommand(const CLI::App& app, const DaemonArguments& args) {
  if (app.got_subcommand("check-config")) return daemon::checkConfig(args.config, args.offline);
  if (!app.got_subcommand("run") && !app.got_subcommand("records")) return std::nullopt;
  daemon::DaemonConfig config;
  try {
    config = daemon::loadDaemonConfig(args.config);
  } catch (const daemon::DaemonConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter: %s\n", p.c_str());
    return kExitUsage;
  }
  if (app.got_subcommand("records")) {
    std::error_code ec;
    if (args.excel && std::filesystem::exists(config.store.path, ec)) std::fputs("\xEF\xBB\xBF", stdout);
    return daemon::printRecords(config, args.excel || args.format == "csv");
  }
  daemon::RunOptions options;
  options.once = args.once;
  options.skip_rescan = args.skip_rescan;
  options.allow_mass_withdrawal = args.allow_mass_withdrawal;
  options.accept_server_change = args.accept_server_change;
  options.bulk = args.bulk;
  return daemon::runDaemon(config, options);
}

}  // namespace fa::cli

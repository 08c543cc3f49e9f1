#include "cli/daemon_commands.h"

#include <cstdio>
#include <filesystem>

#include "cli/exit_codes.h"
#include "daemon/daemon_runner.h"
#include "daemon/records_output.h"

namespace fa::cli {

namespace {

// records --output and the filters (each option may repeat, or take a comma-separated list).
void addRecordFilters(CLI::App& records, DaemonArguments& args) {
  records.add_option("--output", args.output, "write the records to this file instead of standard output");
  records.add_option("--subject", args.subjects, "only these subject ids")->delimiter(',');
  records.add_option("--analyte", args.analytes, "only these analyte codes (BILI, ALB, ...)")->delimiter(',');
  records.add_option("--visit", args.visits, "only these visits (BASELINE, W4, ..., UNSCHEDULED)")->delimiter(',');
  records.add_option("--flag", args.flags, "only these flags")
      ->delimiter(',')
      ->check(CLI::IsMember({"normal", "low", "high", "indeterminate", "retracted"}));
}

daemon::RecordQuery recordQuery(const DaemonArguments& args) {
  daemon::RecordQuery query{
      args.excel || args.format == "csv", args.output, args.subjects, args.analytes, args.visits, args.flags};
  query.byte_order_mark = args.excel;
  return query;
}

}  // namespace

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
  addRecordFilters(*records, args);
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
  if (app.got_subcommand("records")) return daemon::printRecords(config, recordQuery(args));
  daemon::RunOptions options;
  options.once = args.once;
  options.skip_rescan = args.skip_rescan;
  options.allow_mass_withdrawal = args.allow_mass_withdrawal;
  options.accept_server_change = args.accept_server_change;
  options.bulk = args.bulk;
  return daemon::runDaemon(config, options);
}

}  // namespace fa::cli

// fhir-adapter: maps a hospital FHIR server's lab Observations to clinical-trial outcome records.
#include <CLI/CLI.hpp>

#include "cli/audit_commands.h"
#include "cli/backup_command.h"
#include "cli/cli_messages.h"
#include "cli/daemon_commands.h"
#include "cli/exit_codes.h"
#include "cli/export_command.h"
#include "cli/map_command.h"
#include "cli/report_command.h"
#include "cli/subscription_commands.h"
#include "cli/user_command.h"

int main(int argc, char** argv) {
  CLI::App app{"fhir-adapter: FHIR R4 lab Observations to clinical-trial outcome records"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "fhir-adapter 0.1.0");
  fa::cli::MapArguments map;
  fa::cli::ReportArguments report;
  fa::cli::addMapCommand(app, map);
  fa::cli::addReportCommand(app, report);
  fa::cli::DaemonArguments daemon;
  fa::cli::addDaemonCommands(app, daemon);
  fa::cli::AuditArguments audit;
  fa::cli::addAuditCommands(app, audit);
  fa::cli::SubscriptionArguments subscription;
  fa::cli::addSubscriptionCommands(app, subscription);
  fa::cli::ExportArguments exported;
  fa::cli::addExportCommand(app, exported);
  fa::cli::UserArguments user;
  fa::cli::addUserCommands(app, user);
  fa::cli::BackupArguments backup;
  fa::cli::addBackupCommands(app, backup);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fa::cli::explainParseError(app, e, argc, argv);  // names the word at fault and what is expected
    if (app.got_subcommand("map")) return fa::cli::usageError();
    return fa::cli::kExitUsage;
  }
  try {
    if (app.got_subcommand("map")) return fa::cli::runMap(map);
    if (app.got_subcommand("report")) return fa::cli::runReport(report);
    if (auto rc = fa::cli::runDaemonCommand(app, daemon)) return *rc;
    if (auto rc = fa::cli::runAuditCommand(app, audit)) return *rc;
    if (auto rc = fa::cli::runSubscriptionCommand(app, subscription)) return *rc;
    if (app.got_subcommand("export")) return fa::cli::runExport(exported);
    if (auto rc = fa::cli::runUserCommand(app, user)) return *rc;
    if (auto rc = fa::cli::runBackupCommand(app, backup)) return *rc;
  } catch (const std::exception& e) {
    // A bug or a broken environment, not bad input: say so plainly.
    std::fprintf(stderr, "fhir-adapter: internal error: %s\n", e.what());
    return fa::cli::kExitUsage;
  }
  return fa::cli::kExitUsage;
}

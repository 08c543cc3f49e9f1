#include "cli/subscription_commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "audit/audit_log.h"
#include "cli/exit_codes.h"
#include "daemon/audit_events.h"
#include "daemon/daemon_config.h"
#include "daemon/fhir_connection.h"
#include "daemon/subscription_manager.h"
#include "mapping/config_loader.h"

namespace fa::cli {
namespace {

constexpr int kExitServer = fa::kExitFailed;  // the server refused or failed

int fail(const std::string& command, const std::string& message, int code) {
  std::fprintf(stderr, "fhir-adapter subscription %s: %s\n", command.c_str(), message.c_str());
  return code;
}

// subscription_registered / subscription_removed, actor "cli"; ids, analyte and endpoint only.
void auditChanges(const daemon::DaemonConfig& c, const std::string& rule_version,
                  const std::vector<daemon::SubscriptionManager::Change>& changes, const std::string& form,
                  const std::string& payload) {
  if (changes.empty()) return;
  auto log = audit::AuditLog::open(daemon::auditSettings(c, "fhir-adapter subscription"));
  for (const auto& ch : changes) {
    audit::AuditEvent e;
    e.actor = "cli";
    e.action = ch.action == "removed" ? daemon::kAuditSubscriptionRemoved : daemon::kAuditSubscriptionRegistered;
    e.record_key = ch.subscription.id;
    e.source_ref = "Subscription/" + ch.subscription.id;
    e.source_server = c.fhir.base_url;
    e.rule_version = rule_version;
    e.details = {{"analyte", ch.subscription.analyte}, {"endpoint", ch.subscription.endpoint}, {"change", ch.action}};
    if (ch.action != "removed") {
      e.details["form"] = form;
      e.details["payload"] = payload;
      e.details["authorization_header"] = c.callback.bearer_token_file.empty() ? "no" : "yes";
    }
    log->append(e);
  }
  log->close();
}

// list, register or delete against the server, then the audit entries of what changed.
int change(const std::string& command, const daemon::DaemonConfig& c, const mapping::TrialConfig& trial,
           daemon::SubscriptionSettings& settings) {
  try {
    auto client = daemon::connectFhir(c.fhir, nullptr);
    daemon::SubscriptionManager manager(*client, settings.trial_id);
    if (command == "list") {
      for (const auto& s : manager.list())
        std::printf("%s\n", daemon::formatSubscriptionLine(s).c_str());
      return kExitOk;
    }
    std::vector<daemon::SubscriptionManager::Change> changes;
    std::string form = "r4";
    if (command == "register") {
      settings.backport_topic = manager.backportSupport().chosenTopic();
      if (settings.backport_topic) form = "r4-backport";
      changes = manager.registerAll(settings, daemon::analyteCodeSets(trial));
    } else {
      changes = manager.removeAll();
    }
    for (const auto& ch : changes)
      std::printf("%s\t%s\t%s\t%s\n", ch.action.c_str(), ch.subscription.id.c_str(),
                  ch.subscription.analyte.empty() ? "-" : ch.subscription.analyte.c_str(), ch.subscription.endpoint.c_str());
    std::fflush(stdout);
    try {
      auditChanges(c, trial.content_hash, changes, form, settings.payload);
    } catch (const audit::AuditError& e) {
      return fail(command, std::string("the subscriptions were changed, but the audit log failed: ") + e.what(),
                  kExitAuditBroken);
    }
    return kExitOk;
  } catch (const net::FhirError& e) {
    return fail(command, e.what(), kExitServer);
  } catch (const net::TransportError& e) {
    return fail(command, e.what(), kExitUsage);  // CA or client certificate files unusable
  }
}

int run(const std::string& command, const SubscriptionArguments& args) {
  daemon::DaemonConfig c;
  try {
    c = daemon::loadDaemonConfig(args.config);
  } catch (const daemon::DaemonConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter subscription %s: %s\n", command.c_str(), p.c_str());
    return kExitUsage;
  }
  std::shared_ptr<const mapping::TrialConfig> trial;
  try {
    trial = mapping::loadTrialConfig(c.trial.mappings);
  } catch (const std::exception& e) {
    return fail(command, e.what(), kExitUsage);
  }
  daemon::SubscriptionSettings settings;
  settings.trial_id = trial->trial_id;
  if (command == "register") {
    if (!c.callback.enabled || c.callback.public_url.empty())
      return fail(command, c.file.string() + ": [callback] public_url: is required to register subscriptions", kExitUsage);
    settings.endpoint = c.callback.public_url;
    settings.payload = c.callback.payload;
    try {
      settings.bearer_token = daemon::readSecretFile(c.callback.bearer_token_file, "callback bearer token").value_or("");
      settings.hmac_secret = daemon::readSecretFile(c.callback.hmac_secret_file, "callback HMAC secret").value_or("");
    } catch (const std::exception& e) {
      return fail(command, e.what(), kExitUsage);
    }
  }
  return change(command, c, *trial, settings);
}

}  // namespace

void addSubscriptionCommands(CLI::App& app, SubscriptionArguments& args) {
  CLI::App* sub = app.add_subcommand("subscription", "Create, list or remove the FHIR Subscriptions that push to [callback]");
  sub->require_subcommand(1);
  CLI::App* reg = sub->add_subcommand("register", "Create or update one Subscription per analyte (idempotent)");
  reg->add_option("--config", args.config, "configuration file (TOML)")->required();
  CLI::App* list = sub->add_subcommand("list", "Print our Subscriptions: id, status, analyte, endpoint");
  list->add_option("--config", args.config, "configuration file (TOML)")->required();
  CLI::App* del = sub->add_subcommand("delete", "Delete every Subscription of this trial (and only those)");
  del->add_option("--config", args.config, "configuration file (TOML)")->required();
}

std::optional<int> runSubscriptionCommand(const CLI::App& app, const SubscriptionArguments& args) {
  if (!app.got_subcommand("subscription")) return std::nullopt;
  const CLI::App* sub = app.get_subcommand("subscription");
  for (const char* name : {"register", "list", "delete"}) {
    if (sub->got_subcommand(name)) return run(name, args);
  }
  return kExitUsage;
}

}  // namespace fa::cli

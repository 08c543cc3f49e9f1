#pragma once
// `fhir-adapter subscription register|list|delete --config FILE`: the FHIR Subscriptions that
// make the server push to the [callback] receiver (adapter/daemon/subscription_manager.h).
// Exit codes: 0 done, 1 the FHIR server refused or failed (its OperationOutcome text is printed),
// 2 configuration or usage error.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct SubscriptionArguments {
  std::string config;
};

void addSubscriptionCommands(CLI::App& app, SubscriptionArguments& args);
// Runs the chosen subscription command; nullopt when it was not chosen.
std::optional<int> runSubscriptionCommand(const CLI::App& app, const SubscriptionArguments& args);

}  // namespace fa::cli

#pragma once
// `fhir-adapter audit verify|show|export|repair --config FILE` and
// `fhir-adapter review list|accept|override --config FILE ...` (docs/contract.md, adapter/audit/).
// Exit codes: 0 done; 2 usage (bad or missing option, a --since/--until that is neither
// YYYY-MM-DD nor an RFC 3339 instant, an override without --flag or to the record's own flag,
// no such record); 1 when the record's state refuses the decision (it is retracted); 3 when the
// audit log cannot be appended to.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct AuditArguments {
  std::string config;
  // show / export / review list filters
  std::string subject, analyte, action, observation, since, until;
  bool checkpoints = false;
  std::string show_format = "table";  // table | json
  std::string export_format;          // fhir | csv
  std::string list_format = "table";  // table | json
  std::string output;
  // review accept / override
  std::string reviewer, reason, flag;
  // signed reviews (the console's rules, console/review_rules.h): a [review] account signs
  std::string login, password_file, meaning = "reviewed", reason_code;
  bool confirm_no_patient_data = false;
};

void addAuditCommands(CLI::App& app, AuditArguments& args);
// Runs the chosen audit or review command; nullopt when neither was chosen.
std::optional<int> runAuditCommand(const CLI::App& app, const AuditArguments& args);

}  // namespace fa::cli

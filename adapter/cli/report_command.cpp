#include "cli/report_command.h"

#include <rapidjson/document.h>

#include "audit/audit_query.h"
#include "cli/exit_codes.h"
#include "cli/input_files.h"
#include "common/json_depth.h"
#include "engine/outcome_tables.h"
#include "fhir/json_text.h"
#include "mapping/config_loader.h"

namespace fa::cli {
void addReportCommand(CLI::App& app, ReportArguments& args) {
  CLI::App* report = app.add_subcommand("report", "Outcome tables from records printed by map or records");
  report->add_option("--mappings", args.mappings, "fhir-mappings folder")->required();
  report->add_option("RECORDS", args.records, "records NDJSON file, or - for standard input (default)");
  report->add_option("--audit-dir", args.audit_dir, "audit log folder ([audit] dir): also list reviewer decisions");
}

int runReport(const ReportArguments& args) {
  std::shared_ptr<const mapping::TrialConfig> config;
  try {
    config = mapping::loadTrialConfig(args.mappings);
  } catch (const mapping::ConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter report: %s\n", p.c_str());
    return kExitUsage;
  }
  auto input = openInput(args.records);
  if (!input->error.empty()) {
    std::fprintf(stderr, "fhir-adapter report: %s: cannot be read: %s\n", input->label.c_str(), input->error.c_str());
    return kExitUsage;
  }
  std::vector<engine::TableRow> rows;
  int bad = 0;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t length = 0;
  size_t lineNumber = 0;
  while ((length = getline(&line, &capacity, input->file)) > 0) {
    ++lineNumber;
    rapidjson::Document d;
    common::parseBounded(d, std::string_view(line, static_cast<size_t>(length)));
    if (d.HasParseError() || !d.IsObject()) {
      if (std::string_view(line, static_cast<size_t>(length)).find_first_not_of(" \t\r\n") == std::string_view::npos) continue;
      std::fprintf(stderr, "fhir-adapter report: %s line %zu: not a record\n", input->label.c_str(), lineNumber);
      ++bad;
      continue;
    }
    engine::TableRow row;
    row.subject_id = std::string(fhir::stringMember(d, "subject_id").value_or(""));
    row.analyte = std::string(fhir::stringMember(d, "analyte").value_or(""));
    row.visit = std::string(fhir::stringMember(d, "visit").value_or(""));
    const fhir::JsonValue* selected = fhir::findMember(d, "selected");
    row.selected = selected && selected->IsBool() && selected->GetBool();
    row.flag = core::parseFlag(fhir::stringMember(d, "flag").value_or(""));
    rows.push_back(std::move(row));
  }
  std::free(line);
  std::fputs(engine::renderOutcomeTables(engine::buildOutcomeTables(rows, *config), *config).c_str(), stdout);
  if (!args.audit_dir.empty()) {
    // Reviews annotate: the counts above are the adapter's flags; a reviewer's override is shown
    // beside them, never folded into them.
    std::vector<audit::AuditEntry> entries;
    std::vector<std::string> problems;
    audit::readEntries(
        args.audit_dir, [&](const audit::AuditEntry& e) { entries.push_back(e); }, &problems);
    for (const std::string& p : problems)
      std::fprintf(stderr, "fhir-adapter report: %s\n", p.c_str());
    auto reviews = audit::latestReviews(entries);
    std::string out = "\nReviewer decisions (latest per record; from " + args.audit_dir + "):\n";
    if (reviews.empty()) out += "  none\n";
    for (const audit::ReviewState& r : reviews) {
      out += "  " + r.subject_id + " " + r.analyte + " " + r.observation + ": " + r.decision;
      if (r.decision == "overridden")
        out += " flag " + r.flag + " -> " + r.override_flag;
      else
        out += " flag " + r.flag;
      out += " by " + r.reviewer + " at " + r.time;
      if (!r.reason.empty()) out += " (" + r.reason + ")";
      out += "\n";
    }
    std::fputs(out.c_str(), stdout);
    if (!problems.empty()) bad = true;
  }
  return bad ? kExitRejected : kExitOk;
}

}  // namespace fa::cli

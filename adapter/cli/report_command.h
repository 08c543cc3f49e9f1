#pragma once
// `fhir-adapter report`: outcome tables (abnormal subjects per analyte, outcome and visit) from
// records in the `map` NDJSON format. Reads records only, never the FHIR server.
#include <string>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct ReportArguments {
  std::string mappings;
  std::string records = "-";
  std::string audit_dir;  // optional: show reviewer decisions from this audit log
};

void addReportCommand(CLI::App& app, ReportArguments& args);
int runReport(const ReportArguments& args);

}  // namespace fa::cli

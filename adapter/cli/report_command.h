#pragma once
// `fhir-adapter report`: the outcome tables of docs/trial-rules.md "Outcome measures", the liver
// scores, the screening checks and the completeness to-do list, as text, JSON or CSV
// (docs/contract.md "fhir-adapter report"). Reads records (a store with --config, or map/records
// output), the audit log's reviewer decisions and trial.json's screening settings, then hands
// typed values to fa_report, which computes and renders without I/O.
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/record_input.h"

namespace fa::cli {

struct ReportArguments {
  RecordInputArguments input;
  std::string format = "text";      // text | json | csv | html
  std::string output;               // a file instead of standard output
  std::string output_dir;           // csv: one file per table; other formats: report.{txt,json,html}
  std::vector<std::string> shifts;  // "A:B" visit pairs beyond BASELINE:W72
  std::string as_of;                // YYYY-MM-DD; default today in the site's time zone
};

void addReportCommand(CLI::App& app, ReportArguments& args);
int runReport(const ReportArguments& args);

}  // namespace fa::cli

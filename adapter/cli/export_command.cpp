#include "cli/export_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "cli/exit_codes.h"
#include "export/export_files.h"
#include "export/lb_dataset.h"
#include "export/redcap_export.h"
#include "export/xpt_writer.h"

namespace fa::cli {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;

// STUDYID is written into every row and file: printable ASCII, at most 200 bytes (XPT v5).
bool validStudyId(const std::string& id) {
  if (id.size() > exports::kMaxCharBytes) return false;
  for (char c : id)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

Files sdtmFiles(const RecordInput& input, const ExportArguments& args, std::string& summary) {
  const exports::LbDataset lb =
      exports::buildLbDataset(input.set.records, *input.trial, exports::ExportOptions{args.study_id, args.include_free_text});
  const std::string created = exports::sasDateTime(static_cast<std::int64_t>(std::time(nullptr)));
  summary = std::to_string(lb.rows.size()) + " LB rows";
  if (lb.withheld_free_text) summary += ", " + std::to_string(lb.withheld_free_text) + " free-text results withheld";
  if (lb.truncated_values) summary += ", " + std::to_string(lb.truncated_values) + " values cut to 200 bytes";
  return {
      {"lb.csv", exports::lbCsv(lb)}, {"lb.xpt", exports::lbXpt(lb, created)}, {"lb-variables.csv", exports::lbVariablesCsv(lb)}};
}

Files redcapFiles(const RecordInput& input, std::string& summary) {
  exports::RedcapFiles files = exports::buildRedcap(input.set.records, *input.trial);
  const auto rows = static_cast<std::size_t>(std::count(files.data.begin(), files.data.end(), '\n')) - 1;
  summary = std::to_string(rows) + " REDCap rows";
  return {{"redcap-data.csv", std::move(files.data)},
          {"redcap-dictionary.csv", std::move(files.dictionary)},
          {"redcap-events.csv", std::move(files.events)}};
}

}  // namespace

void addExportCommand(CLI::App& app, ExportArguments& args) {
  CLI::App* command = app.add_subcommand("export", "SDTM LB (CSV, SAS transport, variables) or REDCap import files from records");
  command->add_option("--format", args.format, "sdtm-lb or redcap")->required()->check(CLI::IsMember({"sdtm-lb", "redcap"}));
  command->add_option("--output-dir", args.output_dir, "folder the files are written to (created when absent)")->required();
  command->add_option("--study-id", args.study_id, "STUDYID (default: the trial id of trial.json)");
  command->add_flag("--include-free-text", args.include_free_text,
                    "keep unrecognised text results in LBORRES (withheld by default: they may hold patient details)");
  addRecordInputOptions(command, args.input);
}

int runExport(const ExportArguments& args) {
  if (!args.study_id.empty() && !validStudyId(args.study_id)) {
    std::fprintf(stderr, "fhir-adapter export: --study-id must be printable ASCII, at most 200 characters\n");
    return kExitUsage;
  }
  std::optional<RecordInput> input = openRecordInput(args.input, "export");
  if (!input) return kExitUsage;
  std::string summary;
  try {
    const Files files = args.format == "redcap" ? redcapFiles(*input, summary) : sdtmFiles(*input, args, summary);
    exports::writeExportFiles(args.output_dir, files);
  } catch (const exports::ExportWriteError& e) {
    std::fprintf(stderr, "fhir-adapter export: %s\n", e.what());
    return kExitUsage;
  } catch (const exports::XptError& e) {
    std::fprintf(stderr, "fhir-adapter export: lb.xpt: %s\n", e.what());
    return kExitUsage;
  }
  std::fprintf(stderr, "fhir-adapter export: %zu records read (%s), %s written to %s\n", input->set.records.size(),
               input->set.origin.c_str(), summary.c_str(), args.output_dir.c_str());
  return input->set.problems.empty() ? kExitOk : kExitRejected;
}

}  // namespace fa::cli

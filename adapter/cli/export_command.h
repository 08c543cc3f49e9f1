#pragma once
// `fhir-adapter export --format sdtm-lb|redcap`: CDISC SDTM LB (lb.csv, lb.xpt, lb-variables.csv)
// or REDCap import files (redcap-data.csv, redcap-dictionary.csv, redcap-events.csv) from the
// records of a store (--config) or of a printed records file (--mappings DIR [RECORDS|-]).
// docs/contract.md "fhir-adapter export".
#include <string>

#include <CLI/CLI.hpp>

#include "cli/record_input.h"

namespace fa::cli {

struct ExportArguments {
  RecordInputArguments input;
  std::string format;
  std::string output_dir;
  std::string study_id;
  bool include_free_text = false;
};

void addExportCommand(CLI::App& app, ExportArguments& args);
int runExport(const ExportArguments& args);

}  // namespace fa::cli

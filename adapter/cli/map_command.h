#pragma once
// `fhir-adapter map`: offline mapping, FHIR resources in, outcome records out (docs/contract.md).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/mapping_session.h"

namespace fa::cli {

struct MapArguments {
  std::string mappings;
  std::string subjects;
  std::string base;
  std::string format = "ndjson";
  std::string output;
  unsigned threads = 0;  // 0: one per core (defaultReadingThreads)
  std::vector<std::string> inputs;
};

void addMapCommand(CLI::App& app, MapArguments& args);
int runMap(const MapArguments& args);
// The closing line of every map run on standard error.
void printSummary(const engine::MapCounts& counts);
// Exit 2 after a usage or configuration error (prints the all-zero summary).
int usageError();

}  // namespace fa::cli

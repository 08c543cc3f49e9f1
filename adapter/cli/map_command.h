#pragma once
// `fhir-adapter map`: offline mapping, FHIR resources in, outcome records out (CONTRACT.md).
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace fa::cli {

struct MapArguments {
  std::string mappings;
  std::string subjects;
  std::string base;
  std::string format = "ndjson";
  std::string output;
  std::vector<std::string> inputs;
};

void addMapCommand(CLI::App& app, MapArguments& args);
int runMap(const MapArguments& args);

}  // namespace fa::cli

#include "cli/map_command.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>

#include "cli/cli_messages.h"
#include "cli/exit_codes.h"
#include "cli/input_files.h"
#include "engine/mapping_session.h"
#include "engine/record_writer.h"
#include "mapping/config_loader.h"

namespace fa::cli {
namespace {

bool looksLikeBaseUrl(const std::string& url) {
  return (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) && url.find(' ') == std::string::npos &&
         url.find('?') == std::string::npos && url.find('#') == std::string::npos;
}

// Writes in large blocks; the output is only opened once every input has been read, so a usage
// or configuration error never leaves a half-written file behind.
bool writeAll(std::FILE* out, std::string_view text) {
  return std::fwrite(text.data(), 1, text.size(), out) == text.size();
}

// One parsing thread per core, at most kMaxThreads: past that the thread that applies the
// results in order is the limit (docs/architecture.md, "Parallel reading").
constexpr unsigned kMaxThreads = 8;
unsigned defaultReadingThreads() {
  return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads);
}

}  // namespace

void printSummary(const engine::MapCounts& c) {
  std::fprintf(stderr,
               "fhir-adapter map: %llu resources read, %llu records written, %llu rejected, %llu skipped (not on roster), "
               "%llu ignored (unmatched code)\n",
               static_cast<unsigned long long>(c.resources_read), static_cast<unsigned long long>(c.records_written),
               static_cast<unsigned long long>(c.rejected), static_cast<unsigned long long>(c.skipped_not_on_roster),
               static_cast<unsigned long long>(c.ignored));
}

int usageError() {
  // docs/contract.md: standard error always ends with the summary line, here all zeros.
  printSummary({});
  return kExitUsage;
}

void addMapCommand(CLI::App& app, MapArguments& args) {
  CLI::App* map = app.add_subcommand("map", "Map FHIR resources (files, NDJSON or -) to outcome records");
  // Type names as docs/contract.md writes the usage line.
  map->add_option("--mappings", args.mappings, "fhir-mappings folder")->required()->type_name("DIR");
  map->add_option("--subjects", args.subjects, "roster CSV: subject_id,patient,dose1_date,dose2_date")
      ->required()
      ->type_name("FILE.csv");
  map->add_option("--base", args.base, "FHIR server base URL: absolute subject references must be under it")->type_name("URL");
  map->add_option("--format", args.format, "ndjson (default) or csv")
      ->check(CLI::IsMember({"ndjson", "csv"}))
      ->type_name("ndjson|csv");
  map->add_option("--output", args.output, "write records here instead of standard output")->type_name("FILE");
  map->add_option("--threads", args.threads, "threads parsing NDJSON lines (default: one per core, at most 8)")
      ->check(CLI::Range(1u, kMaxThreads))
      ->type_name("N")
      ->group(kTuningGroup);  // left out of the usage line docs/contract.md gives
  map->add_option("INPUT", args.inputs, "FHIR JSON (Bundle or resource) or NDJSON files; - for standard input")->required();
}

int runMap(const MapArguments& args) {
  std::shared_ptr<const mapping::TrialConfig> config;
  std::shared_ptr<const mapping::Roster> roster;
  try {
    config = mapping::loadTrialConfig(args.mappings);
    roster = std::make_shared<const mapping::Roster>(mapping::Roster::load(args.subjects));
  } catch (const mapping::ConfigError& e) {
    for (const std::string& p : e.problems())
      std::fprintf(stderr, "fhir-adapter map: %s\n", p.c_str());
    return usageError();
  }
  if (!args.base.empty() && !looksLikeBaseUrl(args.base)) {
    std::fprintf(stderr, "fhir-adapter map: --base %s: not an http(s) base URL\n", args.base.c_str());
    return usageError();
  }
  int stdinUses = 0;
  for (const std::string& input : args.inputs)
    stdinUses += input == "-";
  if (stdinUses > 1) {
    std::fprintf(stderr, "fhir-adapter map: standard input (-) can be read only once\n");
    return usageError();
  }

  engine::MappingSession session(config, roster, {args.base}, [](const engine::Rejection& r) {
    std::string line = "fhir-adapter map: rejected: " + r.where;
    if (!r.resource.empty()) line += " (" + r.resource + ")";
    line += ": " + r.why + "\n";
    std::fputs(line.c_str(), stderr);
  });
  std::uint64_t bundles = 0;
  const fhir::ReadOptions reading{args.threads > 0 ? args.threads : defaultReadingThreads()};
  for (const std::string& argument : args.inputs) {
    auto input = openInput(argument);
    if (!input->error.empty()) {
      session.rejectInput(input->label, "cannot be read: " + input->error);
      continue;
    }
    fhir::readResources(input->file, input->label, session, bundles, reading);
    if (std::ferror(input->file)) session.rejectInput(input->label, std::string("read error: ") + std::strerror(errno));
  }

  std::FILE* out = stdout;
  if (!args.output.empty()) {
    out = std::fopen(args.output.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "fhir-adapter map: --output %s: %s\n", args.output.c_str(), std::strerror(errno));
      printSummary(session.counts());
      return kExitUsage;
    }
  }
  const bool csv = args.format == "csv";
  bool ok = !csv || writeAll(out, engine::csvHeader());
  // Records stream out of the session in output order: they are never all in memory at once.
  // They are formatted on the reading threads; the text comes back here in order.
  session.finish(
      [csv](const engine::OutcomeRecord& r, std::string& text) {
        if (csv)
          engine::appendCsv(text, r);
        else
          engine::appendNdjson(text, r);
      },
      [&](std::string_view text) { ok = ok && writeAll(out, text); }, reading.threads);
  ok = (std::fflush(out) == 0) && ok;
  if (out != stdout) ok = (std::fclose(out) == 0) && ok;
  if (!ok) {
    std::fprintf(stderr, "fhir-adapter map: writing records failed: %s\n", std::strerror(errno));
    return kExitRejected;
  }

  printSummary(session.counts());
  return session.counts().rejected > 0 ? kExitRejected : kExitOk;
}

}  // namespace fa::cli

#include "cli/report_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "audit/audit_query.h"
#include "cli/exit_codes.h"
#include "daemon/daemon_config.h"
#include "mapping/config_error.h"
#include "mapping/roster.h"
#include "report/csv_report.h"
#include "report/html_report.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "store/observation_store.h"

namespace fa::cli {
namespace {

constexpr const char* kCommand = "report";

void problem(const std::string& text) {
  std::fprintf(stderr, "fhir-adapter report: %s\n", text.c_str());
}

std::optional<std::string> readText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Today in the site's zone (the windows are site dates): the one place the report reads a clock.
core::DayNumber siteToday(const core::TimeZone& zone) {
  const std::int64_t utc =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t local = utc + zone.offsetSecondsAt(utc);
  return static_cast<core::DayNumber>(local >= 0 ? local / 86400 : (local - 86399) / 86400);
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseShifts(const std::vector<std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& t : texts) {
    const std::size_t colon = t.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == t.size() || t.find(':', colon + 1) != std::string::npos) {
      problem("--shift " + t + ": expected FROM:TO, two visit names such as BASELINE:W24");
      return std::nullopt;
    }
    pairs.emplace_back(t.substr(0, colon), t.substr(colon + 1));
  }
  return pairs;
}

// The files the report reads beside the records: trial.json (screening settings) and, with
// --config, the roster (first-dose dates, and subjects without any record yet).
struct SideFiles {
  std::filesystem::path mappings;
  std::filesystem::path roster;  // empty without --config
};
std::optional<SideFiles> sideFiles(const ReportArguments& args) {
  if (args.input.config.empty()) return SideFiles{args.input.mappings, {}};
  try {
    const daemon::DaemonConfig c = daemon::loadDaemonConfig(args.input.config);
    return SideFiles{c.trial.mappings, c.trial.subjects};
  } catch (const std::exception& e) {
    problem(e.what());  // openRecordInput has loaded it already; a race with an edit lands here
    return std::nullopt;
  }
}

// The latest reviewer decisions of the audit log, when there is one.
void readReviews(const ReportArguments& args, const RecordInput& records, report::ReportInput& in, bool& degraded) {
  if (records.audit_dir.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(records.audit_dir, ec)) {
    // [audit] dir of --config before the daemon's first run: no decisions yet. An explicit
    // --audit-dir that does not exist is a mistake worth saying.
    if (!args.input.audit_dir.empty()) {
      problem(records.audit_dir.string() + ": no audit log there");
      degraded = true;
    }
    in.reviews_read = args.input.audit_dir.empty();
    return;
  }
  std::vector<audit::AuditEntry> entries;
  std::vector<std::string> auditProblems;
  audit::readEntries(
      records.audit_dir, [&](const audit::AuditEntry& e) { entries.push_back(e); }, &auditProblems);
  for (const std::string& p : auditProblems)
    problem(p);
  degraded = degraded || !auditProblems.empty();
  for (const audit::ReviewState& r : audit::latestReviews(entries))
    in.reviews.push_back(
        {r.observation, r.subject_id, r.analyte, r.decision, r.flag, r.override_flag, r.reviewer, r.time, r.reason});
  in.reviews_read = true;
}

// The human albumin infusions the daemon stored, for the screening check (docs/trial-rules.md
// "Screening checks"). Only a store has them: records files (--mappings) carry none.
bool readInfusions(const RecordInput& records, report::ReportInput& in) {
  if (!records.store_path) return true;
  try {
    store::ObservationStore store(records.store_path->string(), store::SqliteDb::Mode::ReadOnly);
    store.forEachAlbuminInfusion([&in](const engine::AlbuminInfusion& i) { in.albumin_infusions.push_back(i); });
    in.infusions_read = true;
    return true;
  } catch (const store::StoreError& e) {
    problem(records.store_path->string() + ": " + e.what());
    return false;
  }
}

// Reads what the report needs besides the records into `in`; false on a configuration error.
bool readSideInputs(const ReportArguments& args, const RecordInput& records, report::ReportInput& in, bool& degraded) {
  std::optional<SideFiles> files = sideFiles(args);
  if (!files) return false;
  const std::filesystem::path trialFile = files->mappings / "trial.json";
  std::optional<std::string> trialJson = readText(trialFile);
  if (!trialJson) {
    problem(trialFile.string() + ": cannot be read");
    return false;
  }
  std::string why;
  std::optional<report::ScreeningSettings> screening = report::parseScreeningSettings(*trialJson, &why);
  if (!screening) {
    problem(trialFile.string() + ": " + why);
    return false;
  }
  in.screening = *screening;
  if (!files->roster.empty()) {
    try {
      const mapping::Roster roster = mapping::Roster::load(files->roster);  // kept: subjects() refers into it
      for (const mapping::Subject& s : roster.subjects())
        in.roster_dose1[s.subject_id] = s.dose1;
    } catch (const mapping::ConfigError& e) {
      for (const std::string& p : e.problems())
        problem(p);
      return false;
    }
  }
  readReviews(args, records, in, degraded);
  return readInfusions(records, in);
}

bool writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    problem(path.string() + ": cannot be written: " + std::strerror(errno));
    return false;
  }
  return true;
}

std::string rendered(const report::Report& r, const report::ReportInput& in, const std::string& format) {
  if (format == "json") return report::renderJson(r);
  if (format == "html") return report::renderHtml(r, in);
  if (format == "csv") return report::renderCsvSections(r);
  return report::renderText(r);
}

// Standard output, --output FILE, or --output-dir DIR (CSV: one file per table).
bool emit(const ReportArguments& args, const report::Report& r, const report::ReportInput& in) {
  if (!args.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.output_dir, ec);
    if (ec) {
      problem("--output-dir " + args.output_dir + ": " + ec.message());
      return false;
    }
    const std::filesystem::path dir(args.output_dir);
    if (args.format == "csv") {
      for (const report::Table& t : report::reportTables(r))
        if (!writeFile(dir / (t.name + ".csv"), report::renderCsvTable(t))) return false;
      return true;
    }
    return writeFile(dir / ("report." + std::string(args.format == "text" ? "txt" : args.format)), rendered(r, in, args.format));
  }
  const std::string text = rendered(r, in, args.format);
  if (!args.output.empty()) return writeFile(args.output, text);
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
}

}  // namespace

void addReportCommand(CLI::App& app, ReportArguments& args) {
  CLI::App* report = app.add_subcommand("report", "Outcome tables, shifts, HBV DNA, grades, liver scores, screening, to-do");
  addRecordInputOptions(report, args.input);
  report->add_option("--format", args.format, "text (default), json, csv or html")
      ->check(CLI::IsMember({"text", "json", "csv", "html"}));
  report->add_option("--output", args.output, "write the report here instead of standard output");
  report->add_option("--output-dir", args.output_dir, "write into this folder (csv: one file per table)");
  // One value per --shift, so that a RECORDS argument after it stays the records.
  report->add_option("--shift", args.shifts, "another visit pair for the shift tables, FROM:TO (repeatable)")
      ->allow_extra_args(false);
  report->add_option("--as-of", args.as_of, "date of the completeness list, YYYY-MM-DD (default: today, site time)");
  report->get_option("--output")->excludes(report->get_option("--output-dir"));
}

int runReport(const ReportArguments& args) {
  std::optional<core::DayNumber> asOf;
  if (!args.as_of.empty() && !(asOf = core::parseIsoDate(args.as_of))) {
    problem("--as-of " + args.as_of + ": expected a date YYYY-MM-DD");
    return kExitUsage;
  }
  std::optional<std::vector<std::pair<std::string, std::string>>> shifts = parseShifts(args.shifts);
  if (!shifts) return kExitUsage;
  std::optional<RecordInput> records = openRecordInput(args.input, kCommand);
  if (!records) return kExitUsage;
  // openRecordInput has printed each line it could not read; the exit code tells them.
  bool degraded = !records->set.problems.empty();
  report::ReportInput in;
  in.trial = records->trial.get();
  in.records = &records->set.records;
  in.shifts = *shifts;
  in.as_of = asOf ? *asOf : siteToday(records->trial->time_zone);
  in.source = {records->set.origin, records->set.data_cut,
               records->set.mappings_hash.empty() ? records->trial->content_hash : records->set.mappings_hash,
               records->set.problems.size()};
  if (!readSideInputs(args, *records, in, degraded)) return kExitUsage;
  std::string why;
  std::optional<report::Report> built = report::buildReport(in, &why);
  if (!built) {
    problem(why);
    return kExitUsage;
  }
  if (!emit(args, *built, in)) return kExitUsage;
  return degraded ? kExitRejected : kExitOk;
}

}  // namespace fa::cli

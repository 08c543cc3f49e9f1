// bench_report: `fhir-adapter report --config` on a store of --records records (default
// 100,000), each format, wall time and peak RSS of the real binary (fork + exec, wait4).
//
//   bench_report [--records N] [--repeat N] [--tmpdir DIR] [--keep] [--no-goals] [--adapter PATH]
//
// Goal (issue 13): under 2 s for 100,000 records. The store is filled once in this process with
// typed records over the repository's fhir-mappings/ (every analyte, every visit, one selected
// record and retests beside it, some high values, grades where the analyte has a criterion),
// through ObservationStore::replaceRecords, the daemon's own write path.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "mapping/config_loader.h"
#include "store/observation_store.h"

namespace {

namespace fs = std::filesystem;
using fa::core::Decimal;

struct Options {
  std::size_t records = 100000;
  int repeat = 3;
  fs::path tmpdir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  bool keep = false, goals = true;
  std::string adapter = FA_ADAPTER_BINARY;
};

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--records" && (v = next()))
      o.records = std::strtoull(v, nullptr, 10);
    else if (a == "--repeat" && (v = next()))
      o.repeat = std::atoi(v);
    else if (a == "--tmpdir" && (v = next()))
      o.tmpdir = v;
    else if (a == "--adapter" && (v = next()))
      o.adapter = v;
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--no-goals")
      o.goals = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_report [--records N] [--repeat N] [--tmpdir DIR] [--keep] [--no-goals] [--adapter PATH]\n");
      return false;
    }
  }
  return o.records > 0 && o.repeat > 0;
}

// One record of subject s, analyte a, visit v; copy 0 is the selected one.
fa::engine::OutcomeRecord makeRecord(const fa::mapping::TrialConfig& t, std::size_t s, std::size_t a, std::size_t v, int copy,
                                     std::mt19937& rng) {
  const fa::mapping::AnalyteDefinition& analyte = t.analytes[a];
  const fa::core::VisitWindow& w = t.visits.windows()[v];
  fa::engine::OutcomeRecord r;
  r.subject_id = "S" + std::to_string(1000 + s);
  r.analyte = analyte.code;
  r.resource_id = "b-" + std::to_string(s) + "-" + analyte.code + "-" + w.name + "-" + std::to_string(copy);
  r.observation = "Observation/" + r.resource_id + "/_history/1";
  r.status = "final";
  r.usable_status = true;
  const int day = w.target_day + copy;
  r.study_day = day;
  r.effective = fa::core::formatIsoDate(fa::core::daysFromCivil(2026, 1, 1) + (day > 0 ? day - 1 : day));
  r.visit = w.name;
  r.selected = copy == 0;
  r.baseline = r.selected && w.baseline;
  r.unit = analyte.standard_unit;
  if (analyte.protocol_range) r.range = *analyte.protocol_range;
  const Decimal high = r.range.high.value_or(Decimal::fromInt(20));
  const bool abnormal = rng() % 4 == 0;
  r.value = Decimal::fromLongDouble(high.toLongDouble() * (abnormal ? 1.4L : 0.8L), 2);
  r.source_value = r.value->toString();
  r.source_unit = analyte.standard_unit;
  r.ref_source = fa::core::RangeSource::Protocol;
  r.flag = abnormal ? fa::core::Flag::High : fa::core::Flag::Normal;
  if (analyte.ctcae) r.ctcae_grade = abnormal ? 1 : 0;
  return r;
}

fa::engine::OutcomeRecords makeRecords(const fa::mapping::TrialConfig& t, std::size_t n, std::size_t* subjects) {
  fa::engine::OutcomeRecords out;
  std::mt19937 rng(13);
  const std::size_t visits = t.visits.windows().size();
  for (std::size_t s = 0; out.size() < n; ++s) {
    *subjects = s + 1;
    for (std::size_t a = 0; a < t.analytes.size() && out.size() < n; ++a)
      for (std::size_t v = 0; v < visits && out.size() < n; ++v)
        for (int copy = 0; copy < 3 && out.size() < n; ++copy)
          out.push_back(makeRecord(t, s, a, v, copy, rng));
  }
  std::sort(out.begin(), out.end(), fa::engine::outputOrder);
  return out;
}

void writeFiles(const fs::path& dir, std::size_t subjects) {
  std::ofstream roster(dir / "subjects.csv");
  roster << "subject_id,patient,dose1_date,dose2_date\n";
  for (std::size_t s = 0; s < subjects; ++s)
    roster << "S" << 1000 + s << ",Patient/p" << s << ",2026-01-01,2026-06-18\n";
  std::ofstream toml(dir / "adapter.toml");
  toml << "[fhir]\nbase_url = \"http://127.0.0.1:9/fhir\"\nauth = \"none\"\n\n[trial]\nmappings = \"" FA_SOURCE_DIR
          "/fhir-mappings\"\nsubjects = \"subjects.csv\"\n\n[store]\npath = \"adapter.db\"\n\n[audit]\ndir = "
          "\"audit\"\n\n[http]\nlisten = \"127.0.0.1:0\"\n";
}

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system: what the run costs on a machine shared with others
  long max_rss_kb = 0;
  int status = -1;
};

Run runReport(const Options& o, const fs::path& dir, const std::string& format) {
  const std::string config = (dir / "adapter.toml").string();
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execl(o.adapter.c_str(), o.adapter.c_str(), "report", "--config", config.c_str(), "--format", format.c_str(), "--output",
          "/dev/null", "--as-of", "2027-01-01", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.max_rss_kb = usage.ru_maxrss;
  r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseOptions(argc, argv, o)) return 2;
  const fs::path dir = o.tmpdir / ("bench-report-" + std::to_string(getpid()));
  fs::create_directories(dir / "audit");
  auto trial = fa::mapping::loadTrialConfig(FA_SOURCE_DIR "/fhir-mappings");
  std::size_t subjects = 0;
  const fa::engine::OutcomeRecords records = makeRecords(*trial, o.records, &subjects);
  writeFiles(dir, subjects);
  {
    fa::store::ObservationStore store((dir / "adapter.db").string(), fa::store::SqliteDb::Mode::ReadWrite);
    auto tx = store.transaction();
    store.replaceRecords(records, trial->content_hash, "2026-12-01T00:00:00.000Z");
    tx.commit();
  }
  std::printf("store: %zu records, %zu subjects, %zu analytes x %zu visits, in %s\n", records.size(), subjects,
              trial->analytes.size(), trial->visits.windows().size(), dir.c_str());
  bool met = true, failed = false;
  for (const char* format : {"text", "json", "csv"}) {
    Run best;
    for (int i = 0; i < o.repeat; ++i) {
      Run r = runReport(o, dir, format);
      if (r.status != 0) failed = true;
      if (i == 0 || r.seconds < best.seconds) best = r;
    }
    std::printf("report --config --format %-4s  best of %d: %.3f s wall, %.3f s CPU, peak RSS %.1f MB, exit %d\n", format,
                o.repeat, best.seconds, best.cpu_seconds, static_cast<double>(best.max_rss_kb) / 1024.0, best.status);
    met = met && best.seconds < 2.0;
  }
  if (!o.keep) fs::remove_all(dir);
  if (failed) {
    std::fprintf(stderr, "bench_report: the report did not exit 0\n");
    return 1;
  }
  std::printf("goal (< 2 s for %zu records): %s\n", records.size(), met ? "met" : "MISSED");
  return met || !o.goals ? 0 : 1;
}

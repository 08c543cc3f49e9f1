// bench_startup: the daemon's start on a store of --versions stored Observation versions
// (default 1,000,000), against reading every stored version once in the same process.
//
//   bench_startup [--versions N] [--new-versions K] [--roster N] [--repeat N] [--tmpdir DIR]
//                 [--keep] [--no-goals]
//
// Goal (issue 16): a start with a 1-million-version store is done with its store work (and so
// can begin the first sync pass, whose success makes /readyz ready) in under 5 s.
//
// What is timed is what `fhir-adapter run` does in-process between its start and its first
// sync pass, through the same functions (daemon_runner.cpp): open the store (schema check),
// load the mappings and the roster, open the audit log, construct the Daemon and call
// Daemon::start() (audit outbox drain, server-change check, the records recomputation with
// its audit entries and gauges). The first pass itself is left out: it asks the FHIR server,
// and how long that takes depends on the server, not on the store. The FHIR client here is a
// stub that start() never calls.
//
// The store is filled once through ObservationStore::putVersion (the poller's own write
// path) with generated trial-only Observations (every version belongs to a rostered subject
// and a trial analyte, as the daemon's searches return), then started:
//   1. first start: no records yet; all of them are written and audited;
//   2. a full rebuild, what every start did before issue 16 (nothing changed: nothing written);
//   3. restart with nothing changed (the goal);
//   4. restart after --new-versions amended versions of existing results arrived.
// Each is printed against the baseline (one forEachVersion over the whole store).
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "generate_observations.h"
#include "net/auth.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t versions = 1000000;
  std::size_t new_versions = 100;
  int roster = 200;
  int repeat = 1;
  fs::path tmpdir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  bool keep = false, goals = true;
};

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--versions" && (v = next()))
      o.versions = std::strtoull(v, nullptr, 10);
    else if (a == "--new-versions" && (v = next()))
      o.new_versions = std::strtoull(v, nullptr, 10);
    else if (a == "--roster" && (v = next()))
      o.roster = std::atoi(v);
    else if (a == "--repeat" && (v = next()))
      o.repeat = std::atoi(v);
    else if (a == "--tmpdir" && (v = next()))
      o.tmpdir = v;
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--no-goals")
      o.goals = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_startup [--versions N] [--new-versions K] [--roster N] [--repeat N] [--tmpdir DIR] "
                   "[--keep] [--no-goals]\n");
      return false;
    }
  }
  return o.versions > 0 && o.roster > 0 && o.repeat > 0;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The stored form of one generated line, as sync::versionOf makes it from a search entry.
fa::store::ObservationVersion versionOfLine(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  fa::store::ObservationVersion v;
  v.id = d["id"].GetString();
  const auto& meta = d["meta"];
  v.last_updated = meta["lastUpdated"].GetString();
  v.version_key = meta.HasMember("versionId") ? meta["versionId"].GetString() : "@" + *v.last_updated;
  v.status = d["status"].GetString();
  v.resource = line;
  v.source = "poll";
  return v;
}

// A later version of a stored result: versionId 9, status amended (its record is updated).
std::string amended(std::string line) {
  const std::string version = "\"versionId\":\"";
  if (auto at = line.find(version); at != std::string::npos) {
    const auto end = line.find('"', at + version.size());
    line.replace(at + version.size(), end - at - version.size(), "9");
  }
  const std::string status = "\"status\":\"";
  if (auto at = line.find(status); at != std::string::npos) {
    const auto end = line.find('"', at + status.size());
    line.replace(at + status.size(), end - at - status.size(), "amended");
  }
  return line;
}

// Stores the first `count` lines of `ndjson` (20,000 per transaction); returns the lines.
std::size_t fillStore(const fs::path& store_path, const fs::path& ndjson, std::size_t count, std::vector<std::string>& sample) {
  fa::store::ObservationStore store(store_path.string(), fa::store::SqliteDb::Mode::ReadWrite);
  std::ifstream in(ndjson);
  std::string line;
  std::size_t stored = 0;
  std::mt19937 rng(16);
  while (stored < count) {
    auto t = store.transaction();
    for (int i = 0; i < 20000 && stored < count && std::getline(in, line); ++i, ++stored) {
      store.putVersion(versionOfLine(line), "2026-03-01T00:00:00Z");
      if (rng() % 997 == 0) sample.push_back(line);  // candidates for amended versions
    }
    t.commit();
    if (!in) break;
  }
  return stored;
}

// The baseline: every stored version read once, in the daemon's order.
double readAllVersions(const fs::path& store_path, std::size_t& bytes) {
  fa::store::ObservationStore store(store_path.string(), fa::store::SqliteDb::Mode::ReadWrite);
  const auto start = Clock::now();
  bytes = 0;
  store.forEachVersion([&](const fa::store::ObservationVersion& v) { bytes += v.resource.size(); });
  return secondsSince(start);
}

class NoServer : public fa::net::HttpClient {
 public:
  fa::net::HttpResponse send(const fa::net::HttpRequest&) override {
    fa::net::HttpResponse r;
    r.status = 503;  // start() asks the server nothing
    return r;
  }
};

// One daemon start as daemon_runner.cpp does it, up to the first sync pass.
double startDaemon(const fa::daemon::DaemonConfig& config, std::size_t& records) {
  const auto start = Clock::now();
  fa::store::ObservationStore store(config.store.path.string(), fa::store::SqliteDb::Mode::ReadWrite);
  fa::daemon::TrialState trial = fa::daemon::loadTrial(config.trial);
  auto audit = fa::audit::AuditLog::open(config.audit);
  fa::net::FhirClient client(config.fhir.base_url, std::make_shared<NoServer>(), fa::net::makeNoAuth(), fa::net::RetryPolicy{});
  fa::daemon::Metrics metrics;
  fa::daemon::describeDaemonMetrics(metrics);
  fa::daemon::SystemClock clock;
  fa::daemon::Daemon daemon({config, store, client, *audit, nullptr, metrics, clock}, std::move(trial));
  daemon.start();
  const double took = secondsSince(start);
  records = store.recordCount();
  audit->close();
  return took;
}

// What every start did before issue 16, on the same store: every record recomputed from every
// version (nothing changes, so nothing is written or audited).
double fullRebuild(const fa::daemon::DaemonConfig& config) {
  const auto start = Clock::now();
  fa::store::ObservationStore store(config.store.path.string(), fa::store::SqliteDb::Mode::ReadWrite);
  fa::daemon::TrialState trial = fa::daemon::loadTrial(config.trial);
  const fa::sync::RecordBasis basis{trial.config, trial.roster, trial.roster_hash, config.fhir.base_url};
  fa::sync::rebuildRecords(store, basis, "2026-03-01T00:00:00Z", nullptr);
  return secondsSince(start);
}

fa::daemon::DaemonConfig benchConfig(const fs::path& dir) {
  fa::daemon::DaemonConfig c;
  c.fhir.base_url = "http://fhir.bench/fhir";
  c.trial = {fs::path(FA_SOURCE_DIR) / "fhir-mappings", dir / "subjects.csv"};
  c.store.path = dir / "adapter.db";
  c.audit.dir = dir / "audit";
  c.audit.fsync = fa::audit::FsyncPolicy::Never;
  c.log.level = "warn";
  return c;
}

struct Figures {
  double baseline = 0, first = 0, full = 0, restart = 0, after_new = 0;
};

void print(const char* what, double seconds, double baseline, std::size_t records) {
  std::printf("%-34s %8.3f s  %7.2f x baseline  (%zu records)\n", what, seconds, seconds / baseline, records);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseOptions(argc, argv, o)) return 2;
  fa::daemon::setupLogging("warn");
  std::random_device rd;
  const fs::path dir = o.tmpdir / ("fa-startup-bench-" + std::to_string(rd()));
  fs::create_directories(dir);
  const fa::daemon::DaemonConfig config = benchConfig(dir);
  fa::bench::GeneratorOptions g;
  g.variant = fa::bench::Variant::TrialOnly;
  g.roster_size = o.roster;
  g.target_bytes = o.versions * 1300;  // ~1140 bytes a line on average: enough lines
  const auto made = fa::bench::generateObservations(g, (dir / "versions.ndjson").string(), config.trial.subjects.string());
  std::vector<std::string> sample;
  const auto fillStart = Clock::now();
  const std::size_t stored = fillStore(config.store.path, dir / "versions.ndjson", o.versions, sample);
  std::printf("store: %zu versions of %llu generated lines, %d rostered subjects, filled in %.1f s\n", stored,
              static_cast<unsigned long long>(made.lines), o.roster, secondsSince(fillStart));
  fs::remove(dir / "versions.ndjson");

  Figures f;
  std::size_t bytes = 0, records = 0;
  f.baseline = readAllVersions(config.store.path, bytes);
  for (int i = 1; i < o.repeat; ++i)
    f.baseline = std::min(f.baseline, readAllVersions(config.store.path, bytes));
  std::printf("%-34s %8.3f s  (%.0f MB)\n", "baseline: read every version once", f.baseline,
              static_cast<double>(bytes) / (1 << 20));
  f.first = startDaemon(config, records);
  print("first start (all records written)", f.first, f.baseline, records);
  f.full = fullRebuild(config);
  print("full rebuild (every start before)", f.full, f.baseline, records);
  f.restart = startDaemon(config, records);
  for (int i = 1; i < o.repeat; ++i)
    f.restart = std::min(f.restart, startDaemon(config, records));
  print("restart, nothing changed", f.restart, f.baseline, records);
  {
    fa::store::ObservationStore store(config.store.path.string(), fa::store::SqliteDb::Mode::ReadWrite);
    auto t = store.transaction();
    for (std::size_t i = 0; i < o.new_versions && i < sample.size(); ++i)
      store.putVersion(versionOfLine(amended(sample[i])), "2026-03-02T00:00:00Z");
    t.commit();
  }
  f.after_new = startDaemon(config, records);
  const std::string label = "restart after " + std::to_string(std::min(o.new_versions, sample.size())) + " new versions";
  print(label.c_str(), f.after_new, f.baseline, records);
  if (!o.keep) fs::remove_all(dir);
  const bool met = f.restart < 5.0 && f.after_new < 5.0;
  std::printf("goal (restarts under 5 s at 1,000,000 versions): %s\n", o.goals ? (met ? "met" : "MISSED") : "not checked");
  return o.goals && !met ? 1 : 0;
}

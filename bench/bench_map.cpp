// bench_map: throughput and peak RSS of `fhir-adapter map` over a generated hospital bulk export
// (NDJSON), as a ratio to a plain RapidJSON parse of the same bytes measured in the same run.
//
//   bench_map [--size-mb N] [--variant mixed|trial-only|both] [--repeat N] [--input FILE
//             --subjects FILE.csv] [--mappings DIR] [--adapter PATH] [--tmpdir DIR] [--keep]
//             [--no-goals] [--threads N]
//
// Every map measurement runs in a forked child, so its peak RSS (wait4 ru_maxrss) is its own
// and not the generator's or the baseline's; the real fhir-adapter binary is also run (fork +
// exec) on the same file. Goals (issue): map >= 0.5 x the raw parse rate on trial-only input and
// >= 0.9 x on the mixed export, peak RSS < 200 MB.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "engine/mapping_session.h"
#include "engine/record_writer.h"
#include "fhir/resource_stream.h"
#include "generate_observations.h"
#include "mapping/config_loader.h"
#include "mapping/roster.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kGoalRatio = 0.5;       // trial-only, and a file given with --input
constexpr double kGoalRatioMixed = 0.9;  // the mixed export: most lines are ignored

double goalRatioFor(const std::string& variant) {
  return variant == "mixed" ? kGoalRatioMixed : kGoalRatio;
}
constexpr double kGoalRssMb = 200.0;
constexpr double kMiB = 1024.0 * 1024.0;

struct Options {
  std::uint64_t size_mb = 256;
  std::string variant = "both";
  int repeat = 3;
  std::string input, subjects;
  std::string mappings = FA_SOURCE_DIR "/fhir-mappings";
  std::string adapter = FA_ADAPTER_BINARY;
  std::string tmpdir;
  bool keep = false;
  bool goals = true;
  unsigned threads = 0;  // map --threads; 0: its default (one per core, at most 8)
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "bench_map: %s\nusage: bench_map [--size-mb N] [--variant mixed|trial-only|both] [--repeat N]\n"
               "                 [--input FILE.ndjson --subjects FILE.csv] [--mappings DIR] [--adapter PATH]\n"
               "                 [--tmpdir DIR] [--keep] [--no-goals] [--threads N]\n",
               problem.c_str());
  std::exit(2);
}

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--size-mb")
      o.size_mb = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--variant")
      o.variant = value();
    else if (a == "--repeat")
      o.repeat = std::atoi(value().c_str());
    else if (a == "--input")
      o.input = value();
    else if (a == "--subjects")
      o.subjects = value();
    else if (a == "--mappings")
      o.mappings = value();
    else if (a == "--adapter")
      o.adapter = value();
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(std::strtoul(value().c_str(), nullptr, 10));
    else if (a == "--tmpdir")
      o.tmpdir = value();
    else if (a == "--keep")
      o.keep = true;
    else if (a == "--no-goals")
      o.goals = false;
    else if (a == "--help" || a == "-h")
      usage("help");
    else
      usage("unknown argument " + a);
  }
  if (o.size_mb == 0 || o.repeat < 1) usage("--size-mb and --repeat must be positive");
  if (o.variant != "both" && o.variant != "mixed" && o.variant != "trial-only") usage("bad --variant " + o.variant);
  if (!o.input.empty() && o.subjects.empty()) usage("--input needs --subjects");
  return o;
}

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

long selfRssHighWaterKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// ---------------------------------------------------------------------------------------------
// Baseline: the best plain RapidJSON parse of the same bytes. Same read path as the adapter's
// NDJSON reader (fread in 1 MB chunks into one growable buffer, memchr for line ends, in-situ
// parse with numbers as strings), with every per-line cost removed that a plain parser need
// not pay: one Document reused for every line (its parse stack stays allocated) and a pool
// allocator over a fixed buffer, so a line costs no malloc at all.

struct Measurement {
  double seconds = 0;
  double read_seconds = 0;  // in-process map: reading the input, before finish()
  std::uint64_t bytes = 0;
  std::uint64_t resources = 0;
  std::uint64_t records = 0;
  std::uint64_t rejected = 0;
  long rss_kb = 0;  // peak RSS of the process that ran it (0: not measured)
  int exit_code = 0;
};

Measurement baselineParse(const std::string& path) {
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;
  constexpr std::size_t kChunk = 1 << 20;
  Measurement m;
  auto t0 = Clock::now();
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": " + std::strerror(errno));
  std::vector<char> buf(kChunk + 1);
  static char poolBuffer[256 * 1024];
  rapidjson::MemoryPoolAllocator<> pool(poolBuffer, sizeof poolBuffer);
  rapidjson::Document doc(&pool);
  std::size_t pos = 0, end = 0;
  bool eof = false;
  auto parse = [&](char* line, std::size_t n) {
    line[n] = '\0';
    doc.ParseInsitu<kFlags>(line);
    if (doc.HasParseError())
      ++m.rejected;
    else
      ++m.resources;
    doc.SetNull();
    pool.Clear();
  };
  while (true) {
    char* nl = static_cast<char*>(std::memchr(buf.data() + pos, '\n', end - pos));
    if (nl) {
      std::size_t n = static_cast<std::size_t>(nl - (buf.data() + pos));
      if (n > 0) parse(buf.data() + pos, n);
      pos += n + 1;
      continue;
    }
    if (eof) {
      if (end > pos) parse(buf.data() + pos, end - pos);
      break;
    }
    std::memmove(buf.data(), buf.data() + pos, end - pos);
    end -= pos;
    pos = 0;
    if (buf.size() - 1 - end < kChunk / 2) buf.resize(buf.size() * 2);
    std::size_t got = std::fread(buf.data() + end, 1, buf.size() - 1 - end, f);
    if (got == 0) eof = true;
    end += got;
    m.bytes += got;
  }
  std::fclose(f);
  m.seconds = seconds(t0, Clock::now());
  return m;
}

// ---------------------------------------------------------------------------------------------
// The map path in-process, exactly what `fhir-adapter map --output /dev/null FILE` does after
// loading the configuration: readResources into a MappingSession on the same threads, finish()
// formatting NDJSON records on them, the text written in order.

Measurement mapInProcess(const Options& o, const std::string& path, const std::string& subjects) {
  using namespace fa;
  auto config = mapping::loadTrialConfig(o.mappings);
  auto roster = std::make_shared<const mapping::Roster>(mapping::Roster::load(subjects));
  Measurement m;
  auto t0 = Clock::now();
  engine::MappingSession session(config, roster, {}, [](const engine::Rejection&) {});
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) throw std::runtime_error(path + ": " + std::strerror(errno));
  std::uint64_t bundles = 0;
  const unsigned threads = o.threads > 0 ? o.threads : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  fhir::readResources(in, path, session, bundles, {threads});
  std::fclose(in);
  m.read_seconds = seconds(t0, Clock::now());
  std::FILE* out = std::fopen("/dev/null", "wb");
  session.finish([](const engine::OutcomeRecord& r, std::string& text) { engine::appendNdjson(text, r); },
                 [&](std::string_view text) { std::fwrite(text.data(), 1, text.size(), out); }, threads);
  std::fclose(out);
  m.seconds = seconds(t0, Clock::now());
  m.bytes = fs::file_size(path);
  m.resources = session.counts().resources_read;
  m.records = session.counts().records_written;
  m.rejected = session.counts().rejected;
  return m;
}

// Runs `work` in a forked child; the child sends its Measurement back through a pipe and the
// parent adds the child's own peak RSS from wait4.
template <typename Work>
Measurement inChild(Work&& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    Measurement m;
    try {
      m = work();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_map: child: %s\n", e.what());
      m.exit_code = code = 1;
    }
    if (write(fds[1], &m, sizeof m) != static_cast<ssize_t>(sizeof m)) code = 1;
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  Measurement m;
  ssize_t got = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (got != static_cast<ssize_t>(sizeof m) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("measurement child failed");
  m.rss_kb = usage.ru_maxrss;
  return m;
}

// The real binary: fork + exec `fhir-adapter map`, wall time and ru_maxrss from wait4.
Measurement runAdapter(const Options& o, const std::string& path, const std::string& subjects, const std::string& stderr_path,
                       std::string& summary) {
  Measurement m;
  std::fflush(nullptr);
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (devnull < 0 || err < 0) _exit(126);
    dup2(devnull, 1);
    dup2(err, 2);
    std::vector<std::string> args = {o.adapter, "map",      "--mappings", o.mappings, "--subjects",
                                     subjects,  "--output", "/dev/null",  path};
    if (o.threads > 0) args.insert(args.end() - 1, {"--threads", std::to_string(o.threads)});
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(o.adapter.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  m.seconds = seconds(t0, Clock::now());
  m.rss_kb = usage.ru_maxrss;
  m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  m.bytes = fs::file_size(path);
  summary.clear();
  if (std::FILE* f = std::fopen(stderr_path.c_str(), "r")) {
    char line[1024];
    while (std::fgets(line, sizeof line, f))
      summary = line;
    std::fclose(f);
    while (!summary.empty() && summary.back() == '\n')
      summary.pop_back();
  }
  // "... N resources read, M records written, ..."
  unsigned long long resources = 0, records = 0;
  if (auto p = summary.find(": ");
      p != std::string::npos &&
      std::sscanf(summary.c_str() + p + 2, "%llu resources read, %llu records written", &resources, &records) == 2) {
    m.resources = resources;
    m.records = records;
  }
  return m;
}

Measurement best(const std::vector<Measurement>& runs) {
  Measurement b = *std::min_element(runs.begin(), runs.end(), [](auto& x, auto& y) { return x.seconds < y.seconds; });
  for (const Measurement& r : runs)
    b.rss_kb = std::max(b.rss_kb, r.rss_kb);
  return b;
}

struct VariantResult {
  std::string name;
  Measurement baseline, map, binary;
  std::string summary;
  bool pass = true;
  std::vector<std::string> problems;
};

// Baseline rows have no records and no RSS of their own (they run in the bench process): "-".
void printRow(const char* what, const Measurement& m, bool baseline = false) {
  const double mb = static_cast<double>(m.bytes) / kMiB;
  char records[32] = "-", rss[32] = "-";
  if (!baseline) {
    std::snprintf(records, sizeof records, "%.0f", static_cast<double>(m.records) / m.seconds);
    std::snprintf(rss, sizeof rss, "%.1f", static_cast<double>(m.rss_kb) / 1024.0);
  }
  std::printf("  %-22s %9.3f %9.1f %12.0f %11s %10s\n", what, m.seconds, mb / m.seconds,
              static_cast<double>(m.resources) / m.seconds, records, rss);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parseOptions(argc, argv);
  fs::path tmp;
  bool madeTmp = false;
  int exitCode = 0;
  try {
    std::string tmpBase = o.tmpdir.empty() ? (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") : o.tmpdir;
    std::string pattern = tmpBase + "/fhir-adapter-bench-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error(pattern + ": " + std::strerror(errno));
    tmp = pattern;
    madeTmp = true;

    struct Input {
      std::string name, ndjson, subjects;
    };
    std::vector<Input> inputs;
    if (!o.input.empty()) {
      inputs.push_back({"input", o.input, o.subjects});
    } else {
      for (auto v : {fa::bench::Variant::Mixed, fa::bench::Variant::TrialOnly}) {
        std::string name = fa::bench::variantName(v);
        if (o.variant != "both" && o.variant != name) continue;
        Input in{name, (tmp / (name + ".ndjson")).string(), (tmp / (name + "-subjects.csv")).string()};
        fa::bench::GeneratorOptions g;
        g.target_bytes = o.size_mb << 20;
        g.variant = v;
        auto t0 = Clock::now();
        auto r = fa::bench::generateObservations(g, in.ndjson, in.subjects);
        std::printf("generated %s: %.1f MB, %llu lines (%llu trial analyte + rostered), %.0f bytes/line, %.1f s\n",
                    in.ndjson.c_str(), static_cast<double>(r.bytes) / kMiB, static_cast<unsigned long long>(r.lines),
                    static_cast<unsigned long long>(r.trial_lines), static_cast<double>(r.bytes) / static_cast<double>(r.lines),
                    seconds(t0, Clock::now()));
        inputs.push_back(in);
      }
    }

    std::vector<VariantResult> results;
    for (const Input& in : inputs) {
      VariantResult v;
      v.name = in.name;
      // Warm the page cache once so that the first measured run is not a disk read.
      baselineParse(in.ndjson);
      std::vector<Measurement> base, map, bin;
      // Interleaved, so that a noisy neighbour on a shared machine hurts all three alike.
      for (int i = 0; i < o.repeat; ++i) {
        base.push_back(baselineParse(in.ndjson));
        map.push_back(inChild([&] { return mapInProcess(o, in.ndjson, in.subjects); }));
        bin.push_back(runAdapter(o, in.ndjson, in.subjects, (tmp / "map-stderr.txt").string(), v.summary));
      }
      v.baseline = best(base);
      v.map = best(map);
      v.binary = best(bin);
      v.baseline.records = 0;
      results.push_back(v);
    }

    char host[256] = "";
    gethostname(host, sizeof host);
    std::printf("\nbench_map: %d run(s) each, best time; MB = 2^20 bytes; RSS = peak resident set (wait4 ru_maxrss)\n", o.repeat);
    for (VariantResult& v : results) {
      const double ratio =
          (static_cast<double>(v.map.bytes) / v.map.seconds) / (static_cast<double>(v.baseline.bytes) / v.baseline.seconds);
      const double ratioBin =
          (static_cast<double>(v.binary.bytes) / v.binary.seconds) / (static_cast<double>(v.baseline.bytes) / v.baseline.seconds);
      const double rss = static_cast<double>(std::max(v.map.rss_kb, v.binary.rss_kb)) / 1024.0;
      std::printf("\n[%s] %.1f MB, %llu resources, %llu records\n", v.name.c_str(), static_cast<double>(v.baseline.bytes) / kMiB,
                  static_cast<unsigned long long>(v.baseline.resources), static_cast<unsigned long long>(v.map.records));
      std::printf("  %-22s %9s %9s %12s %11s %10s\n", "path", "seconds", "MB/s", "resources/s", "records/s", "RSS MB");
      printRow("rapidjson parse", v.baseline, true);
      printRow("map (in-process)", v.map);
      printRow("fhir-adapter map", v.binary);
      std::printf("  map (in-process): reading %.3f s, finish() and output %.3f s\n", v.map.read_seconds,
                  v.map.seconds - v.map.read_seconds);
      std::printf("  ratio map/parse: %.2f in-process, %.2f binary (goal >= %.1f); peak RSS %.1f MB (goal < %.0f MB)\n", ratio,
                  ratioBin, goalRatioFor(v.name), rss, kGoalRssMb);
      std::printf("  fhir-adapter: exit %d; %s\n", v.binary.exit_code, v.summary.c_str());
      if (v.binary.exit_code != 0 || v.map.rejected != 0 || v.baseline.rejected != 0)
        v.problems.push_back("input rejected (generator bug?)");
      if (v.binary.records != v.map.records) v.problems.push_back("binary and in-process record counts differ");
      if (ratio < goalRatioFor(v.name)) v.problems.push_back("ratio below goal");
      if (rss >= kGoalRssMb) v.problems.push_back("peak RSS above goal");
      v.pass = v.problems.empty();
    }
    std::printf("\nbench process itself (generator + baselines): peak RSS %.1f MB\n",
                static_cast<double>(selfRssHighWaterKb()) / 1024.0);
    for (const VariantResult& v : results) {
      std::string why;
      for (const std::string& p : v.problems)
        why += (why.empty() ? "" : "; ") + p;
      if (!o.goals) {
        bool broken = v.binary.exit_code != 0 || v.binary.records != v.map.records || v.map.rejected != 0;
        std::printf("%s %s (goals not enforced%s%s)\n", broken ? "FAIL" : "DONE", v.name.c_str(), why.empty() ? "" : ": ",
                    why.c_str());
        if (broken) exitCode = 1;
      } else {
        std::printf("%s %s%s%s\n", v.pass ? "PASS" : "FAIL", v.name.c_str(), why.empty() ? "" : ": ", why.c_str());
        if (!v.pass) exitCode = 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_map: %s\n", e.what());
    exitCode = 2;
  }
  if (madeTmp) {
    if (o.keep) {
      std::printf("kept %s\n", tmp.c_str());
    } else {
      std::error_code ec;
      fs::remove_all(tmp, ec);
    }
  }
  return exitCode;
}

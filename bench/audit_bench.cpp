// bench_audit: the audit log's append rate under its fsync policies and verify speed, each as a
// ratio to a baseline measured in the same run on the same disk.
//
//   bench_audit [--entries N] [--batch N] [--fsync-entries N] [--tmpdir DIR] [--keep]
//
// 1. baseline: plain buffered writes (fwrite, one fflush + fsync at the end) of exactly the bytes
//    the log writes for --entries record events;
// 2. AuditLog, FsyncPolicy::Never (no fsync but checkpoints'): the cost of hashing, HMAC,
//    canonical JSON and one write(2) per entry; this run also makes the log verified in 5;
// 3. AuditLog, FsyncPolicy::OnCommit with commit() every --batch entries (the daemon commits
//    after each recomputation);
// 4. AuditLog, FsyncPolicy::EveryEntry on --fsync-entries entries (fdatasync per entry);
// 5. verify (chain + HMAC of every entry + checkpoints) of the --entries log, against a
//    baseline read of the same bytes split into lines.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "audit/audit_files.h"
#include "audit/audit_log.h"
#include "audit/audit_verify.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kKey = "bench-key-bench-key-bench-key-bench-key-0123456789";

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

fa::audit::AuditEvent event(std::size_t i) {
  fa::audit::AuditEvent e;
  e.actor = "fhir-adapter/sync";
  e.action = i % 5 == 0 ? "record_created" : "record_updated";
  e.record_key = "obs-" + std::to_string(i);
  e.source_ref = "Observation/obs-" + std::to_string(i) + "/_history/" + std::to_string(1 + i % 3);
  e.source_server = "https://fhir.hospital.example/fhir";
  e.rule_version = "4f2a9c0d5e6b7a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";
  e.details = {{"subject_id", "S-" + std::to_string(100 + i % 30)},
               {"analyte", i % 2 ? "BILI" : "ALB"},
               {"unit", i % 2 ? "umol/L" : "g/L"},
               {"before.value", std::to_string(20 + i % 17) + ".5"},
               {"after.value", std::to_string(21 + i % 13) + ".2"},
               {"before.flag", "normal"},
               {"after.flag", i % 3 ? "normal" : "high"},
               {"before.ctcae_grade", "0"},
               {"after.ctcae_grade", i % 3 ? "0" : "1"},
               {"before.selected", "true"},
               {"after.selected", "true"},
               {"before.status", "final"},
               {"after.status", "amended"}};
  return e;
}

fa::audit::AuditSettings settings(const fs::path& dir, fa::audit::FsyncPolicy policy) {
  fa::audit::AuditSettings s;
  s.dir = dir;
  s.key = kKey;
  s.fsync = policy;
  s.checkpoint_every_entries = 1000;
  s.checkpoint_every = std::chrono::seconds(300);
  return s;
}

std::uint64_t dirBytes(const fs::path& dir) {
  std::uint64_t n = 0;
  for (const auto& seg : fa::audit::listSegments(dir))
    n += fs::file_size(seg.path);
  return n;
}

// Appends `n` events; commit() every `batch` (0: never). Returns seconds.
double appendRun(const fs::path& dir, fa::audit::FsyncPolicy policy, std::size_t n, std::size_t batch) {
  const auto t0 = Clock::now();
  auto log = fa::audit::AuditLog::open(settings(dir, policy));
  for (std::size_t i = 0; i < n; ++i) {
    log->append(event(i));
    if (batch && (i + 1) % batch == 0) log->commit();
  }
  log->close();
  return seconds(t0, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t entries = 1000000, batch = 100, fsyncEntries = 2000;
  fs::path tmpdir = std::getenv("TMPDIR") ? fs::path(std::getenv("TMPDIR")) : fs::path("/tmp");
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_audit: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--entries")
      entries = std::stoul(next());
    else if (a == "--batch")
      batch = std::stoul(next());
    else if (a == "--fsync-entries")
      fsyncEntries = std::stoul(next());
    else if (a == "--tmpdir")
      tmpdir = next();
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr, "usage: bench_audit [--entries N] [--batch N] [--fsync-entries N] [--tmpdir DIR] [--keep]\n");
      return 2;
    }
  }
  const fs::path root = tmpdir / ("bench-audit-" + std::to_string(::getpid()));
  fs::create_directories(root);
  try {
    // 2. The log without fsync (also the log to verify).
    const double tNever = appendRun(root / "never", fa::audit::FsyncPolicy::Never, entries, 0);
    const std::uint64_t bytes = dirBytes(root / "never");
    // 1. Baseline: the same bytes through stdio, one fsync at the end.
    std::string all;
    all.reserve(bytes);
    for (const auto& seg : fa::audit::listSegments(root / "never")) {
      fa::audit::forEachLine(seg.path, [&](std::string_view line, std::size_t, bool) {
        all.append(line);
        all.push_back('\n');
        return true;
      });
    }
    const auto b0 = Clock::now();
    {
      std::FILE* f = std::fopen((root / "baseline.jsonl").c_str(), "wb");
      if (!f) throw std::runtime_error("cannot write the baseline file");
      std::size_t lineStart = 0;
      while (lineStart < all.size()) {  // one fwrite per line, like a naive logger
        const std::size_t nl = all.find('\n', lineStart);
        std::fwrite(all.data() + lineStart, 1, nl + 1 - lineStart, f);
        lineStart = nl + 1;
      }
      std::fflush(f);
      ::fsync(::fileno(f));
      std::fclose(f);
    }
    const double tBase = seconds(b0, Clock::now());
    all.clear();
    all.shrink_to_fit();
    fs::remove(root / "baseline.jsonl");

    // 3. OnCommit, a commit (fdatasync) every `batch` entries. Same count, capped so a slow disk
    // does not take forever: at most 200,000 entries.
    const std::size_t commitEntries = std::min<std::size_t>(entries, 200000);
    const double tCommit = appendRun(root / "commit", fa::audit::FsyncPolicy::OnCommit, commitEntries, batch);
    fs::remove_all(root / "commit");
    // 4. EveryEntry.
    const double tEvery = appendRun(root / "every", fa::audit::FsyncPolicy::EveryEntry, fsyncEntries, 0);
    fs::remove_all(root / "every");

    // 5. Verify, against a plain read of the same bytes split into lines.
    const auto r0 = Clock::now();
    std::size_t lines = 0;
    for (const auto& seg : fa::audit::listSegments(root / "never"))
      fa::audit::forEachLine(seg.path, [&](std::string_view, std::size_t, bool) {
        ++lines;
        return true;
      });
    const double tRead = seconds(r0, Clock::now());
    const auto v0 = Clock::now();
    fa::audit::VerifyOptions o;
    o.dir = root / "never";
    o.key = kKey;
    const fa::audit::VerifyReport report = fa::audit::verifyLog(o);
    const double tVerify = seconds(v0, Clock::now());
    if (!report.intact) throw std::runtime_error("the benchmark log does not verify: " + report.firstBad());

    const double total = static_cast<double>(report.entries);
    const double baseRate = total / tBase;
    std::printf("bench_audit: %zu record events (%llu entries with checkpoints), %.1f MB in %zu segments, avg %.0f bytes/entry\n",
                entries, static_cast<unsigned long long>(report.entries), static_cast<double>(bytes) / 1e6, report.segments,
                static_cast<double>(bytes) / total);
    std::printf("baseline  plain buffered fwrite + 1 fsync      %10.0f lines/s  %7.1f MB/s\n", baseRate,
                static_cast<double>(bytes) / 1e6 / tBase);
    std::printf("append    fsync never (hash+HMAC+write(2))     %10.0f entries/s  ratio %.3f x baseline\n",
                static_cast<double>(entries) / tNever, static_cast<double>(entries) / tNever / baseRate);
    std::printf("append    fsync on commit, every %-5zu entries %10.0f entries/s  ratio %.3f x baseline (%zu entries)\n", batch,
                static_cast<double>(commitEntries) / tCommit, static_cast<double>(commitEntries) / tCommit / baseRate,
                commitEntries);
    std::printf("append    fsync every entry                    %10.0f entries/s  ratio %.4f x baseline (%zu entries)\n",
                static_cast<double>(fsyncEntries) / tEvery, static_cast<double>(fsyncEntries) / tEvery / baseRate, fsyncEntries);
    std::printf(
        "verify    chain + HMAC + checkpoints           %10.0f entries/s  %7.1f MB/s  ratio %.3f x plain line read (%.0f "
        "lines/s)\n",
        total / tVerify, static_cast<double>(bytes) / 1e6 / tVerify, (total / tVerify) / (static_cast<double>(lines) / tRead),
        static_cast<double>(lines) / tRead);
    std::printf("verify    %llu entries in %.2f s\n", static_cast<unsigned long long>(report.entries), tVerify);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_audit: %s\n", e.what());
    if (!keep) fs::remove_all(root);
    return 2;
  }
  if (!keep) fs::remove_all(root);
  return 0;
}

#include "daemon/run_summary.h"

#include <unistd.h>

#include <cstdio>

namespace fa::daemon {
namespace {

constexpr const char* kFlags[] = {"normal", "low", "high", "indeterminate", "retracted"};

std::string plural(long long n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

RunSummary summaryFromMetrics(const Metrics& metrics, const sync::PassReport& pass, double seconds) {
  RunSummary s;
  s.pass = pass;
  s.seconds = seconds;
  for (const char* flag : kFlags)
    s.records_by_flag[flag] = static_cast<long long>(metrics.value("fhir_adapter_records", {{"flag", flag}}));
  s.rejected = static_cast<long long>(metrics.value("fhir_adapter_rejected_resources"));
  s.not_on_roster = static_cast<long long>(metrics.value("fhir_adapter_skipped_not_on_roster"));
  return s;
}

std::string formatRunSummary(const RunSummary& s) {
  long long total = 0;
  std::string flags;
  for (const char* flag : kFlags) {
    auto it = s.records_by_flag.find(flag);
    const long long n = it == s.records_by_flag.end() ? 0 : it->second;
    total += n;
    flags += (flags.empty() ? "" : ", ") + std::to_string(n) + " " + flag;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", s.seconds);
  std::string out = "fhir-adapter run --once: pass complete in " + std::string(seconds) + "\n";
  out += "  read:     " + plural(s.pass.requests, "request", "requests") + ", " +
         plural(s.pass.observations_seen, "result", "results") + " seen, " +
         plural(s.pass.new_versions, "new version", "new versions") + ", " + plural(s.pass.deletions, "deletion", "deletions") +
         (s.pass.rescanned ? " (with rescan)" : "") + "\n";
  out += "  records:  " + std::to_string(total) + " (" + flags + ")\n";
  out += "  rejected: " + plural(s.rejected, "resource", "resources") + " (see resource_rejected lines)\n";
  out += "  not on roster: " + plural(s.not_on_roster, "result", "results") + "\n";
  if (s.pass.withdrawal_blocked)
    out += "  withdrawals held back: " + std::to_string(s.pass.withdrawals_held) + " (see mass_withdrawal_blocked)\n";
  return out;
}

std::FILE* terminalStream() {
  if (::isatty(STDERR_FILENO) == 1) return stderr;
  if (::isatty(STDOUT_FILENO) == 1) return stdout;
  return nullptr;
}

}  // namespace fa::daemon

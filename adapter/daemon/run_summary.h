#pragma once
// The human summary that ends `run --once` on a terminal (docs/contract.md, "fhir-adapter run"):
// what the pass read, the records by flag, what was rejected or not on the roster, the time
// taken. Only on a terminal: scripts and journals keep the JSON lines alone.
#include <cstdio>
#include <map>
#include <string>

#include "daemon/metrics.h"
#include "sync/poller.h"

namespace fa::daemon {

struct RunSummary {
  sync::PassReport pass;
  std::map<std::string, long long> records_by_flag;  // normal, low, high, indeterminate, retracted
  long long rejected = 0;                            // stored resources the engine refused
  long long not_on_roster = 0;                       // stored results of patients not on the roster
  double seconds = 0;
};

// The counts the last recomputation published (Daemon::publishRecordMetrics).
RunSummary summaryFromMetrics(const Metrics& metrics, const sync::PassReport& pass, double seconds);

// A few lines of plain text, each ending in a newline.
std::string formatRunSummary(const RunSummary& summary);

// Standard error when it is a terminal, else standard output when that is one, else nullptr.
std::FILE* terminalStream();

}  // namespace fa::daemon

#pragma once
// DaemonRunner: `fhir-adapter run`. Opens everything at start-up (configuration errors surface
// now, not at 3 a.m.), then loops Daemon::step() (daemon.h: poll -> store -> recompute records
// -> metrics) and waits. SIGTERM/SIGINT finish the current page, commit and exit 0; SIGHUP
// reloads mappings and roster. Notifies systemd (READY, WATCHDOG) when run under it.
#include "daemon/daemon.h"
#include "daemon/daemon_config.h"

namespace fa::daemon {

// Returns the process exit code.
int runDaemon(const DaemonConfig& config, const RunOptions& options);

// `check-config`: every problem at once; online, also the server's CapabilityStatement and the
// credentials. Returns 0 when ready to run, 2 otherwise.
int checkConfig(const std::filesystem::path& file, bool offline);

// `records`: the stored records exactly as `map` prints them.
int printRecords(const DaemonConfig& config, bool csv);

}  // namespace fa::daemon

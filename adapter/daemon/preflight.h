#pragma once
// Preflight: what `run` would refuse at start-up, found without starting anything, so that
// `check-config` reports it in the same words. Each function returns the problem, or nullopt.
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "daemon/daemon_config.h"

namespace fa::daemon {

// "cannot listen on HOST:PORT: <reason>" when the address cannot be bound (in use, not local);
// port 0 (any free port) never is a problem. The listeners fail with the same text.
std::optional<std::string> listenProblem(const std::string& host, unsigned short port);

// The [audit] key against the log already in [audit] dir: a key file shorter than 32 bytes, a
// key for a log written without one (or none for a keyed log), another key, a damaged last
// entry. Read-only: the log is not opened for writing, a partial last line is left alone.
std::optional<std::string> auditProblem(const audit::AuditSettings& settings);

}  // namespace fa::daemon

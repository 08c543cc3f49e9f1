#pragma once
// JSON log lines on standard error (one object per line, for journald and log shippers).
// Messages carry resource ids and pseudonymous subject ids only: never names, birth dates,
// identifiers, tokens or free-text results. Logging never throws into the caller.
#include <string>
#include <utility>
#include <vector>

namespace fa::daemon {

using LogFields = std::vector<std::pair<std::string, std::string>>;

void setupLogging(const std::string& level);
void logInfo(const std::string& event, const LogFields& fields = {});
void logWarn(const std::string& event, const LogFields& fields = {});
void logError(const std::string& event, const LogFields& fields = {});
void logDebug(const std::string& event, const LogFields& fields = {});

}  // namespace fa::daemon

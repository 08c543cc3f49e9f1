#pragma once
// JSON log lines on standard error (one object per line, for journald and log shippers).
// Messages carry resource ids and pseudonymous subject ids only: never names, birth dates,
// identifiers, tokens or free-text results. Logging never throws into the caller.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fa::daemon {

using LogFields = std::vector<std::pair<std::string, std::string>>;

// Each field value (and the event name) goes through loggableText() first: a value from outside
// (a notification's resourceType, a server's words) can be any bytes and any length.
inline constexpr std::size_t kMaxLogValue = 400;  // room for a request URL in a problem text
// Valid UTF-8 kept; every byte that is not part of a valid UTF-8 sequence written as the four
// characters \xNN; cut at a character boundary after `max_bytes` with "...(cut, N bytes)".
std::string loggableText(std::string_view text, std::size_t max_bytes = kMaxLogValue);

void setupLogging(const std::string& level);
void logInfo(const std::string& event, const LogFields& fields = {});
void logWarn(const std::string& event, const LogFields& fields = {});
void logError(const std::string& event, const LogFields& fields = {});
void logDebug(const std::string& event, const LogFields& fields = {});

}  // namespace fa::daemon

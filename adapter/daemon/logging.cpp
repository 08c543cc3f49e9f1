#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "fhir/json_text.h"

namespace fa::daemon {
namespace {

std::string render(const std::string& event, const LogFields& fields) {
  std::string out = "\"event\":";
  fhir::appendJsonString(out, event);
  for (const auto& [k, v] : fields) {
    out += ",";
    fhir::appendJsonString(out, k);
    out += ":";
    fhir::appendJsonString(out, v);
  }
  return out;
}

void emit(spdlog::level::level_enum level, const std::string& event, const LogFields& fields) {
  try {
    spdlog::log(level, render(event, fields));
  } catch (...) {
    // A log line that cannot be written must not take the daemon down.
  }
}

}  // namespace

void setupLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("fhir-adapter");
  // {"time":"...","level":"info",<event and fields>}
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void logInfo(const std::string& event, const LogFields& fields) {
  emit(spdlog::level::info, event, fields);
}
void logWarn(const std::string& event, const LogFields& fields) {
  emit(spdlog::level::warn, event, fields);
}
void logError(const std::string& event, const LogFields& fields) {
  emit(spdlog::level::err, event, fields);
}
void logDebug(const std::string& event, const LogFields& fields) {
  emit(spdlog::level::debug, event, fields);
}

}  // namespace fa::daemon

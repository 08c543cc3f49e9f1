#include "daemon/logging.h"

#include <algorithm>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "fhir/json_text.h"

namespace fa::daemon {
namespace {

// The length of the valid UTF-8 sequence at text[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
std::size_t utf8Length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

std::string render(const std::string& event, const LogFields& fields) {
  std::string out = "\"event\":";
  fhir::appendJsonString(out, loggableText(event));
  for (const auto& [k, v] : fields) {
    out += ",";
    fhir::appendJsonString(out, loggableText(k));
    out += ":";
    fhir::appendJsonString(out, loggableText(v));
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

std::string loggableText(std::string_view text, std::size_t max_bytes) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 24);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8Length(text, i);
    const std::size_t width = n ? n : 4;
    if (out.size() + width > max_bytes) {
      out += "...(cut, " + std::to_string(text.size()) + " bytes)";
      break;
    }
    if (n) {
      out.append(text, i, n);
      i += n;
    } else {
      const auto c = static_cast<unsigned char>(text[i++]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

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

#include "sync/http_date.h"

#include <cstdio>
#include <ctime>

#include "core/civil_time.h"

namespace fa::sync {

std::string formatInstant(TimePoint t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::optional<TimePoint> parseInstant(const std::string& fhir_instant) {
  auto parsed = core::parseFhirDateTime(fhir_instant);
  if (!parsed || parsed->precision != core::FhirDateTime::Precision::Time) return std::nullopt;
  auto site = core::toSiteTime(*parsed, 0);
  if (!site.instant) return std::nullopt;
  return TimePoint(std::chrono::microseconds(*site.instant));
}

std::optional<TimePoint> parseHttpDate(const std::string& value) {
  std::tm tm{};
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace fa::sync

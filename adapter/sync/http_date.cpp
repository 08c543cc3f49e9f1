#include "sync/http_date.h"

#include <cstdio>
#include <ctime>

#include "core/civil_time.h"

namespace fa::sync {

std::string formatInstant(TimePoint t) {
  return core::formatInstantUtc(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
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

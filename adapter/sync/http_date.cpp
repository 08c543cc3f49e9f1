#include "sync/http_date.h"

#include "common/http_date.h"
#include "core/civil_time.h"

namespace fa::sync {

std::optional<TimePoint> parseInstant(const std::string& fhir_instant) {
  auto parsed = core::parseFhirDateTime(fhir_instant);
  if (!parsed || parsed->precision != core::FhirDateTime::Precision::Time) return std::nullopt;
  auto site = core::toSiteTime(*parsed, 0);
  if (!site.instant) return std::nullopt;
  return TimePoint(std::chrono::microseconds(*site.instant));
}

std::optional<TimePoint> parseHttpDate(const std::string& value) {
  return common::parseHttpDate(value, std::chrono::system_clock::now());
}

}  // namespace fa::sync

#pragma once
// Instants as the sync engine writes them: FHIR instants with milliseconds in UTC
// ("2026-03-01T00:00:00.000Z"), and the HTTP Date header (RFC 9110 HTTP-date). The formatting
// and the HTTP-date forms live in common/; this is the sync engine's view of them.
#include <chrono>
#include <optional>
#include <string>

#include "common/instant.h"

namespace fa::sync {

using TimePoint = std::chrono::system_clock::time_point;

using common::formatInstant;
std::optional<TimePoint> parseInstant(const std::string& fhir_instant);  // any offset
// IMF-fixdate, RFC 850 or asctime (common::parseHttpDate, two-digit years against the clock).
std::optional<TimePoint> parseHttpDate(const std::string& value);

}  // namespace fa::sync

#pragma once
// Instants as the sync engine writes them: FHIR instants with milliseconds in UTC
// ("2026-03-01T00:00:00.000Z"), and the HTTP Date header (RFC 9110 IMF-fixdate).
#include <chrono>
#include <optional>
#include <string>

namespace fa::sync {

using TimePoint = std::chrono::system_clock::time_point;

std::string formatInstant(TimePoint t);
std::optional<TimePoint> parseInstant(const std::string& fhir_instant);  // any offset
std::optional<TimePoint> parseHttpDate(const std::string& value);

}  // namespace fa::sync

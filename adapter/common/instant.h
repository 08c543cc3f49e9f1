#pragma once
// UTC instants as text: "2026-03-01T08:00:00.000Z", milliseconds, one fixed width, so the text
// order of stored timestamps is their time order (audit entries, watermarks, queue times).
#include <chrono>
#include <cstdint>
#include <string>

namespace fa::common {

// Microseconds since 1970-01-01T00:00:00Z (any year 0000-9999), floored to milliseconds.
std::string formatInstantMicros(std::int64_t micros);
std::string formatInstant(std::chrono::system_clock::time_point t);
// formatInstant(std::chrono::system_clock::now()).
std::string nowInstant();

}  // namespace fa::common

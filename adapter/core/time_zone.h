#pragma once
// The site's time zone: a zone of the system tz database (Debian's tzdata, read through
// date/tz.h), or a fixed offset (UTC, and callers converting instants that carry their own).
//
// docs/trial-rules.md "Time": offsets come from the zone's rules at each instant, so daylight
// saving moves local dates correctly. The tz database is data, like the mappings: looking a zone
// up reads /usr/share/zoneinfo once, after which every call is a pure function. Thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace fa::core {

struct TimeZoneLookup;

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;
  static TimeZone fixedOffset(int minutes_east);

  // An IANA name such as "Asia/Shanghai" or "America/New_York".
  static TimeZoneLookup named(std::string_view iana_name);

  // The name as looked up, or "UTC+08:00" for a fixed offset.
  const std::string& name() const { return name_; }

  // Offset east of UTC at a UTC instant (seconds since the Unix epoch).
  int offsetSecondsAt(std::int64_t utc_seconds) const;
  // Offset that turns a local wall-clock time (seconds since 1970-01-01T00:00 local) into UTC.
  // A time repeated when clocks go back is read as the first (earlier) one; a time skipped when
  // clocks go forward takes the offset before the change (02:30 becomes 03:30 daylight time).
  int offsetSecondsForLocal(std::int64_t local_seconds) const;
  // Every offset the zone uses at some instant of [from, to) (UTC seconds), ascending.
  std::vector<int> offsetsBetween(std::int64_t from_utc_seconds, std::int64_t to_utc_seconds) const;

 private:
  const date::time_zone* zone_ = nullptr;  // null: fixed offset
  int fixed_seconds_ = 0;
  std::string name_ = "UTC";
};

struct TimeZoneLookup {
  std::optional<TimeZone> zone;
  std::string problem;  // why there is no zone: unknown name, or no tz database
};

// "+08:00", "-05:30" from seconds east of UTC.
std::string formatUtcOffset(int seconds_east);

}  // namespace fa::core

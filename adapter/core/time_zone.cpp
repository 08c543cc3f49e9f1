#include "core/time_zone.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace fa::core {
namespace {

int toInt(std::chrono::seconds s) {
  return static_cast<int>(s.count());
}

date::sys_seconds sysSeconds(std::int64_t utc_seconds) {
  return date::sys_seconds{std::chrono::seconds{utc_seconds}};
}

bool haveTzDatabase() {
  try {
    return !date::get_tzdb().zones.empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TimeZone TimeZone::fixedOffset(int minutes_east) {
  TimeZone z;
  z.fixed_seconds_ = minutes_east * 60;
  z.name_ = minutes_east == 0 ? "UTC" : "UTC" + formatUtcOffset(z.fixed_seconds_);
  return z;
}

TimeZoneLookup TimeZone::named(std::string_view iana_name) {
  TimeZoneLookup out;
  try {
    TimeZone z;
    z.zone_ = date::locate_zone(iana_name);
    z.name_ = std::string(iana_name);
    out.zone = z;
  } catch (const std::exception&) {
    // date::locate_zone throws both for an unknown name and when there is no database at all.
    out.problem = !haveTzDatabase()
                      ? "the system time zone database is missing (install tzdata: /usr/share/zoneinfo)"
                      : "unknown time zone \"" + std::string(iana_name) +
                            "\": not in the system tz database (a name such as \"Asia/Shanghai\" or \"America/New_York\")";
  }
  return out;
}

int TimeZone::offsetSecondsAt(std::int64_t utc_seconds) const {
  if (zone_ == nullptr) return fixed_seconds_;
  return toInt(zone_->get_info(sysSeconds(utc_seconds)).offset);
}

int TimeZone::offsetSecondsForLocal(std::int64_t local_seconds) const {
  if (zone_ == nullptr) return fixed_seconds_;
  const date::local_info info = zone_->get_info(date::local_seconds{std::chrono::seconds{local_seconds}});
  // unique: first is the one offset; ambiguous: first is the earlier instant; nonexistent:
  // first is the offset in force before the gap.
  return toInt(info.first.offset);
}

std::vector<int> TimeZone::offsetsBetween(std::int64_t from_utc_seconds, std::int64_t to_utc_seconds) const {
  std::vector<int> offsets;
  if (zone_ == nullptr) {
    offsets.push_back(fixed_seconds_);
    return offsets;
  }
  date::sys_seconds at = sysSeconds(from_utc_seconds);
  const date::sys_seconds end = sysSeconds(to_utc_seconds);
  while (at < end) {
    const date::sys_info info = zone_->get_info(at);
    offsets.push_back(toInt(info.offset));
    if (info.end <= at) break;  // the last period: it lasts forever
    at = info.end;
  }
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  return offsets;
}

std::string formatUtcOffset(int seconds_east) {
  const int minutes = std::abs(seconds_east) / 60;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", seconds_east < 0 ? '-' : '+', minutes / 60, minutes % 60);
  return buf;
}

}  // namespace fa::core

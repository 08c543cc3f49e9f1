#pragma once
// Civil dates and FHIR date/dateTime/instant values, converted to the site's time zone.
//
// docs/trial-rules.md: a date-only value is that local date (00:00 local for ordering); a value with an
// offset is converted to the site zone before its date is taken. Dates are held as days since
// 1970-01-01 (proleptic Gregorian), instants as microseconds since the Unix epoch (UTC).
// Pure functions; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time_zone.h"

namespace fa::core {

using DayNumber = int;               // days since 1970-01-01
using InstantMicros = std::int64_t;  // microseconds since 1970-01-01T00:00:00Z

DayNumber daysFromCivil(int year, unsigned month, unsigned day);
// Parses exactly "YYYY-MM-DD" (a real calendar date).
std::optional<DayNumber> parseIsoDate(std::string_view text);
std::string formatIsoDate(DayNumber day);

// "+08:00", "-05:30", "Z" -> minutes east of UTC.
std::optional<int> parseUtcOffset(std::string_view text);

// A FHIR date, dateTime or instant as written.
struct FhirDateTime {
  enum class Precision { Year, Month, Day, Time };
  Precision precision = Precision::Day;
  int year = 0;
  unsigned month = 1, day = 1;
  unsigned hour = 0, minute = 0, second = 0;
  std::int64_t micros = 0;            // fraction of the second
  std::optional<int> offset_minutes;  // absent: no zone written (taken as site local)
};

// FHIR's regex for dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss(.f+)?(Z|+hh:mm).
// A time without a zone is accepted (some servers send it) and read as site-local time.
std::optional<FhirDateTime> parseFhirDateTime(std::string_view text);

// Where a FHIR dateTime falls in the site's zone.
struct SiteTime {
  std::optional<DayNumber> local_date;   // absent for year or year-month precision
  std::optional<InstantMicros> instant;  // for ordering: date-only = 00:00 local
};
// The offset of the site zone at that instant (daylight saving included); a time written without
// an offset, and a date-only value's 00:00, are read in the site zone (core/time_zone.h says how
// a repeated or skipped local time is read).
SiteTime toSiteTime(const FhirDateTime& value, const TimeZone& site_zone);
// The same with a fixed site offset (0: UTC, for instants that always carry their offset).
SiteTime toSiteTime(const FhirDateTime& value, int site_offset_minutes);

// A FHIR instant in UTC with milliseconds, "2026-03-01T00:00:00.000Z": one fixed format, so the
// text order of stored timestamps is their time order.
std::string formatInstantUtc(InstantMicros t);

}  // namespace fa::core

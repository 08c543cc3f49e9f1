#include "core/civil_time.h"

#include <cstdio>

#include "common/instant.h"

namespace fa::core {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

bool isLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at text[pos]; advances pos.
std::optional<int> digits(std::string_view text, size_t& pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
DayNumber daysFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

std::string formatIsoDate(DayNumber z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    return buf;
  }
  // The usual years without snprintf: this runs for every record written out.
  std::string text = "0000-00-00";
  auto twoDigits = [&text](std::size_t at, unsigned value) {
    text[at] = static_cast<char>('0' + value / 10);
    text[at + 1] = static_cast<char>('0' + value % 10);
  };
  const auto year = static_cast<unsigned>(y);
  twoDigits(0, year / 100);
  twoDigits(2, year % 100);
  twoDigits(5, m);
  twoDigits(8, d);
  return text;
}

std::optional<DayNumber> parseIsoDate(std::string_view text) {
  auto parsed = parseFhirDateTime(text);
  if (!parsed || parsed->precision != FhirDateTime::Precision::Day) return std::nullopt;
  return daysFromCivil(parsed->year, parsed->month, parsed->day);
}

std::optional<int> parseUtcOffset(std::string_view text) {
  if (text == "Z") return 0;
  size_t pos = 1;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  auto hh = digits(text, pos, 2);
  if (!hh || !expect(text, pos, ':')) return std::nullopt;
  auto mm = digits(text, pos, 2);
  if (!mm || *hh > 14 || *mm > 59) return std::nullopt;
  int minutes = *hh * 60 + *mm;
  return text[0] == '-' ? -minutes : minutes;
}

std::optional<FhirDateTime> parseFhirDateTime(std::string_view text) {
  FhirDateTime v;
  size_t pos = 0;
  auto year = digits(text, pos, 4);
  if (!year) return std::nullopt;
  v.year = *year;
  v.precision = FhirDateTime::Precision::Year;
  if (pos == text.size()) return v;
  if (!expect(text, pos, '-')) return std::nullopt;
  auto month = digits(text, pos, 2);
  if (!month || *month < 1 || *month > 12) return std::nullopt;
  v.month = static_cast<unsigned>(*month);
  v.precision = FhirDateTime::Precision::Month;
  if (pos == text.size()) return v;
  if (!expect(text, pos, '-')) return std::nullopt;
  auto day = digits(text, pos, 2);
  if (!day || *day < 1 || static_cast<unsigned>(*day) > daysInMonth(v.year, v.month)) return std::nullopt;
  v.day = static_cast<unsigned>(*day);
  v.precision = FhirDateTime::Precision::Day;
  if (pos == text.size()) return v;
  if (!expect(text, pos, 'T')) return std::nullopt;
  auto hh = digits(text, pos, 2);
  if (!hh || !expect(text, pos, ':')) return std::nullopt;
  auto mi = digits(text, pos, 2);
  if (!mi || !expect(text, pos, ':')) return std::nullopt;
  auto ss = digits(text, pos, 2);
  // FHIR allows 00-23 hours and a leap second 60.
  if (!ss || *hh > 23 || *mi > 59 || *ss > 60) return std::nullopt;
  v.hour = static_cast<unsigned>(*hh);
  v.minute = static_cast<unsigned>(*mi);
  v.second = static_cast<unsigned>(*ss == 60 ? 59 : *ss);
  v.precision = FhirDateTime::Precision::Time;
  if (expect(text, pos, '.')) {
    std::int64_t scale = 100'000;
    size_t fractionDigits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      v.micros += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++fractionDigits;
    }
    if (fractionDigits == 0) return std::nullopt;
  }
  if (pos == text.size()) return v;
  auto offset = parseUtcOffset(text.substr(pos));
  if (!offset) return std::nullopt;
  v.offset_minutes = offset;
  return v;
}

SiteTime toSiteTime(const FhirDateTime& value, const TimeZone& site_zone) {
  SiteTime out;
  if (value.precision == FhirDateTime::Precision::Year || value.precision == FhirDateTime::Precision::Month) {
    return out;
  }
  const std::int64_t dayNumber = daysFromCivil(value.year, value.month, value.day);
  if (value.precision == FhirDateTime::Precision::Day) {
    const std::int64_t localMidnight = dayNumber * kSecondsPerDay;
    out.local_date = static_cast<DayNumber>(dayNumber);
    out.instant = (localMidnight - site_zone.offsetSecondsForLocal(localMidnight)) * kMicrosPerSecond;
    return out;
  }
  const std::int64_t writtenSeconds = dayNumber * kSecondsPerDay + value.hour * 3600 + value.minute * 60 + value.second;
  const std::int64_t writtenOffsetSeconds =
      value.offset_minutes ? std::int64_t{*value.offset_minutes} * 60 : site_zone.offsetSecondsForLocal(writtenSeconds);
  const std::int64_t utcSeconds = writtenSeconds - writtenOffsetSeconds;
  out.instant = utcSeconds * kMicrosPerSecond + value.micros;
  const std::int64_t localSeconds = utcSeconds + site_zone.offsetSecondsAt(utcSeconds);
  // floor division: a negative local time still falls on the right day
  std::int64_t localDay = localSeconds / kSecondsPerDay;
  if (localSeconds % kSecondsPerDay < 0) --localDay;
  out.local_date = static_cast<DayNumber>(localDay);
  return out;
}

SiteTime toSiteTime(const FhirDateTime& value, int site_offset_minutes) {
  return toSiteTime(value, TimeZone::fixedOffset(site_offset_minutes));
}

std::string formatInstantUtc(InstantMicros t) {
  return common::formatInstantMicros(t);
}

}  // namespace fa::core

#include "common/http_date.h"

#include <cstdio>
#include <string>

namespace fa::common {
namespace {

struct Fields {
  char weekday[16] = {};
  char month[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
};

// sscanf with `format`, true when all 7 fields were read and nothing follows.
bool scanWhole(const std::string& text, const char* format, Fields& f, bool weekdayFirst) {
  int consumed = -1;
  const int n =
      weekdayFirst
          ? std::sscanf(text.c_str(), format, f.weekday, &f.day, f.month, &f.year, &f.hour, &f.minute, &f.second, &consumed)
          : std::sscanf(text.c_str(), format, f.weekday, f.month, &f.day, &f.hour, &f.minute, &f.second, &f.year, &consumed);
  return n == 7 && consumed >= 0 && static_cast<std::size_t>(consumed) == text.size();
}

unsigned monthNumber(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < 12; ++i) {
    if (name == kMonths[i]) return i + 1;
  }
  return 0;
}

// RFC 9110: a two-digit year more than 50 years ahead of now is in the past century.
int fullYear(int twoDigits, std::chrono::system_clock::time_point now) {
  const int thisYear = static_cast<int>(std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(now)}.year());
  int year = thisYear / 100 * 100 + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parseHttpDate(std::string_view text,
                                                                   std::chrono::system_clock::time_point now) {
  const std::string s(text);
  Fields f;
  if (scanWhole(s, "%15[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", f, true)) {
    // IMF-fixdate
  } else if (f = Fields{}; scanWhole(s, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", f, true)) {
    f.year = fullYear(f.year, now);  // RFC 850
  } else if (f = Fields{}; !scanWhole(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", f, false)) {
    return std::nullopt;  // not asctime either
  }
  using namespace std::chrono;
  const year_month_day date{year(f.year), month(monthNumber(f.month)), day(static_cast<unsigned>(f.day))};
  // A leap second (:60) is read as the next second, as timegm() did.
  if (!date.ok() || f.year < 1900 || f.hour > 23 || f.minute > 59 || f.second > 60 || f.hour < 0 || f.minute < 0 || f.second < 0)
    return std::nullopt;
  return system_clock::time_point(sys_days(date)) + hours(f.hour) + minutes(f.minute) + seconds(f.second);
}

}  // namespace fa::common

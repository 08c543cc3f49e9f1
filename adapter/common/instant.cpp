#include "common/instant.h"

#include <cstdio>

namespace fa::common {

std::string formatInstantMicros(std::int64_t micros) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds(micros)};
  const sys_days day = floor<days>(t);  // floor: an instant before 1970 still falls on its day
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{floor<milliseconds>(t - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buf;
}

std::string formatInstant(std::chrono::system_clock::time_point t) {
  return formatInstantMicros(std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count());
}

std::string nowInstant() {
  return formatInstant(std::chrono::system_clock::now());
}

}  // namespace fa::common

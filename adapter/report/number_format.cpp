#include "report/number_format.h"

#include <cmath>
#include <cstdio>

namespace fa::report {

std::string formatNumber(long double value, int places) {
  long double scale = 1;
  for (int i = 0; i < places; ++i)
    scale *= 10;
  // Round the scaled value half away from zero, after a nudge that absorbs binary error in
  // values that are exact decimals (2.00005 held as 2.0000499...).
  const long double scaled = value * scale;
  const long double magnitude = std::floor(std::fabs(scaled) * (1 + 1e-15L) + 0.5L);
  long long units = static_cast<long long>(magnitude);
  if (value < 0) units = -units;
  if (units == 0) return "0";
  char buf[64];
  const long long whole = units / static_cast<long long>(scale);
  long long fraction = std::llabs(units % static_cast<long long>(scale));
  int digits = places;
  while (digits > 0 && fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  const char* sign = units < 0 && whole == 0 ? "-" : "";
  if (digits == 0)
    std::snprintf(buf, sizeof buf, "%s%lld", sign, whole);
  else
    std::snprintf(buf, sizeof buf, "%s%lld.%0*lld", sign, whole, digits, fraction);
  return buf;
}

std::string formatTenths(int tenths) {
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

}  // namespace fa::report

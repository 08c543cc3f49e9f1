#pragma once
// Numbers as the report prints them (docs/contract.md: at most 4 decimals; percent one decimal).
#include <optional>
#include <string>

namespace fa::report {

// Rounded to `places` decimals half away from zero, trailing zeros dropped: -0.52, 2, 0.3333.
std::string formatNumber(long double value, int places = 4);
// Tenths of a percent as "93.3", "100.0", "0.0".
std::string formatTenths(int tenths);

}  // namespace fa::report

// common/http_date: the three HTTP-date forms RFC 9110 section 5.6.7 requires a recipient to
// accept, and the impossible ones refused.
#include <gtest/gtest.h>

#include "common/http_date.h"

namespace fa::common {
namespace {

using std::chrono::system_clock;

// 1994-11-06T08:49:37Z, RFC 9110's example: 784111777 seconds after the epoch.
const system_clock::time_point kExample{std::chrono::seconds(784111777)};
// 2026-03-01T00:00:00Z (1772323200 s), the "now" for the two-digit years.
const system_clock::time_point kNow{std::chrono::seconds(1772323200)};

TEST(HttpDate, AcceptsTheThreeForms) {
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT", kNow), kExample);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", kNow), kExample);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994", kNow), kExample);
}

TEST(HttpDate, TwoDigitYearsFollowTheFiftyYearRule) {
  // In 2026, "76" would be 2076 (50 years ahead: allowed); "77" would be 2077 (> 50) -> 1977.
  auto y76 = parseHttpDate("Sunday, 01-Jan-76 00:00:00 GMT", kNow);
  auto y77 = parseHttpDate("Saturday, 01-Jan-77 00:00:00 GMT", kNow);
  ASSERT_TRUE(y76 && y77);
  // 2076-01-01 is 106 years after 1970 with 26 leap days (1972..2072) = 38716 days; 1977-01-01
  // is 7 years with 2 (1972, 1976) = 2557 days.
  EXPECT_EQ(*y76, system_clock::time_point(std::chrono::seconds(38716LL * 86400)));
  EXPECT_EQ(*y77, system_clock::time_point(std::chrono::seconds(2557LL * 86400)));
}

TEST(HttpDate, RefusesOtherTextAndImpossibleDates) {
  for (const char* bad :
       {"", "yesterday", "2026-03-01T00:00:00Z", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun Nov  6 08:49:37", "120"}) {
    EXPECT_FALSE(parseHttpDate(bad, kNow).has_value()) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace fa::common

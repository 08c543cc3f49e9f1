// The site zone from the system tz database (docs/trial-rules.md "Time"): offsets at instants,
// local times repeated or skipped by daylight saving, and unknown names.
#include <gtest/gtest.h>

#include "core/civil_time.h"
#include "core/time_zone.h"

namespace fa::core {
namespace {

// UTC seconds of a civil UTC time.
std::int64_t utc(int y, unsigned m, unsigned d, int hh, int mm = 0) {
  return std::int64_t{daysFromCivil(y, m, d)} * 86'400 + hh * 3600 + mm * 60;
}

TimeZone zone(const char* name) {
  TimeZoneLookup lookup = TimeZone::named(name);
  EXPECT_TRUE(lookup.zone.has_value()) << name << ": " << lookup.problem;
  return lookup.zone.value_or(TimeZone{});
}

constexpr int kEst = -5 * 3600;
constexpr int kEdt = -4 * 3600;

TEST(TimeZone, NewYorkChangesAtTwoInTheMorningLocal) {
  // 2026: DST starts Sunday March 8 at 02:00 EST = 07:00Z, ends Sunday November 1 at 02:00 EDT = 06:00Z.
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.offsetSecondsAt(utc(2026, 3, 8, 6, 59)), kEst);
  EXPECT_EQ(ny.offsetSecondsAt(utc(2026, 3, 8, 7, 0)), kEdt);
  EXPECT_EQ(ny.offsetSecondsAt(utc(2026, 11, 1, 5, 59)), kEdt);
  EXPECT_EQ(ny.offsetSecondsAt(utc(2026, 11, 1, 6, 0)), kEst);
}

TEST(TimeZone, RepeatedLocalTimeIsTheEarlierOne) {
  // 2026-11-01 01:30 local happens at 05:30Z (EDT) and again at 06:30Z (EST): the first is taken.
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.offsetSecondsForLocal(utc(2026, 11, 1, 1, 30)), kEdt);
  auto t = toSiteTime(*parseFhirDateTime("2026-11-01T01:30:00"), ny);
  EXPECT_EQ(t.instant, utc(2026, 11, 1, 5, 30) * 1'000'000);
}

TEST(TimeZone, SkippedLocalTimeTakesTheOffsetBeforeTheGap) {
  // 2026-03-08 02:30 local does not exist; read with EST (-05:00) it is 07:30Z = 03:30 EDT, still March 8.
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(ny.offsetSecondsForLocal(utc(2026, 3, 8, 2, 30)), kEst);
  auto t = toSiteTime(*parseFhirDateTime("2026-03-08T02:30:00"), ny);
  EXPECT_EQ(t.instant, utc(2026, 3, 8, 7, 30) * 1'000'000);
  EXPECT_EQ(formatIsoDate(*t.local_date), "2026-03-08");
}

TEST(TimeZone, DateOnlyOrdersAtLocalMidnightOfThatDay) {
  // 2026-07-01 00:00 EDT = 04:00Z; 2026-01-01 00:00 EST = 05:00Z
  const TimeZone ny = zone("America/New_York");
  EXPECT_EQ(toSiteTime(*parseFhirDateTime("2026-07-01"), ny).instant, utc(2026, 7, 1, 4) * 1'000'000);
  EXPECT_EQ(toSiteTime(*parseFhirDateTime("2026-01-01"), ny).instant, utc(2026, 1, 1, 5) * 1'000'000);
}

TEST(TimeZone, ShanghaiIsEightHoursAheadAllYear) {
  const TimeZone sh = zone("Asia/Shanghai");
  EXPECT_EQ(sh.offsetSecondsAt(utc(2026, 1, 15, 12)), 8 * 3600);
  EXPECT_EQ(sh.offsetSecondsAt(utc(2026, 7, 15, 12)), 8 * 3600);
  // the same results as the fixed +08:00 the mappings used to declare
  for (const char* text :
       {"2026-02-05T15:59:59Z", "2026-02-05T16:00:00Z", "2026-01-21T11:00:00-05:00", "2026-01-22", "2026-01-22T23:30:00"}) {
    auto named = toSiteTime(*parseFhirDateTime(text), sh);
    auto fixed = toSiteTime(*parseFhirDateTime(text), 8 * 60);
    EXPECT_EQ(named.local_date, fixed.local_date) << text;
    EXPECT_EQ(named.instant, fixed.instant) << text;
  }
}

TEST(TimeZone, OffsetsUsedOverAPeriod) {
  // New York since 2000: EST and EDT; Shanghai: +08:00 only (its daylight saving ended in 1991).
  const std::int64_t from = utc(2000, 1, 1, 0), to = utc(2038, 1, 1, 0);
  EXPECT_EQ(zone("America/New_York").offsetsBetween(from, to), (std::vector<int>{kEst, kEdt}));
  EXPECT_EQ(zone("Asia/Shanghai").offsetsBetween(from, to), (std::vector<int>{8 * 3600}));
  EXPECT_EQ(TimeZone::fixedOffset(-330).offsetsBetween(from, to), (std::vector<int>{-330 * 60}));
}

TEST(TimeZone, UnknownNameIsRefusedWithTheName) {
  TimeZoneLookup lookup = TimeZone::named("Mars/Olympus");
  EXPECT_FALSE(lookup.zone.has_value());
  EXPECT_NE(lookup.problem.find("\"Mars/Olympus\""), std::string::npos) << lookup.problem;
  EXPECT_FALSE(TimeZone::named("").zone.has_value());
  EXPECT_FALSE(TimeZone::named("../../etc/passwd").zone.has_value());
}

TEST(TimeZone, FixedOffsetsAndTheirNames) {
  EXPECT_EQ(TimeZone{}.name(), "UTC");
  EXPECT_EQ(TimeZone::fixedOffset(480).name(), "UTC+08:00");
  EXPECT_EQ(TimeZone::fixedOffset(-330).offsetSecondsForLocal(0), -330 * 60);
  EXPECT_EQ(formatUtcOffset(-5 * 3600), "-05:00");
  EXPECT_EQ(formatUtcOffset(5 * 3600 + 45 * 60), "+05:45");
}

}  // namespace
}  // namespace fa::core

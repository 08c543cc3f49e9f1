// Civil dates, FHIR dateTime parsing and conversion to the site zone (docs/trial-rules.md "Time").
#include <gtest/gtest.h>

#include "core/civil_time.h"

namespace fa::core {
namespace {

constexpr int kShanghai = 8 * 60;  // Asia/Shanghai: UTC+8, no daylight saving

std::string siteDate(const char* text, int offset = kShanghai) {
  auto parsed = parseFhirDateTime(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  if (!parsed) return "";
  auto t = toSiteTime(*parsed, offset);
  return t.local_date ? formatIsoDate(*t.local_date) : "none";
}

std::int64_t siteInstant(const char* text, int offset = kShanghai) {
  auto t = toSiteTime(*parseFhirDateTime(text), offset);
  return t.instant.value_or(-1);
}

TEST(CivilTime, DayNumbers) {
  EXPECT_EQ(daysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(daysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(daysFromCivil(2026, 1, 1) - daysFromCivil(2025, 1, 1), 365);
  EXPECT_EQ(daysFromCivil(2024, 3, 1) - daysFromCivil(2024, 2, 1), 29);  // leap year
  EXPECT_EQ(formatIsoDate(daysFromCivil(2026, 2, 7)), "2026-02-07");
  EXPECT_EQ(formatIsoDate(-1), "1969-12-31");
}

// Years 0000-9999 are written digit by digit, others through snprintf: both give the ISO form.
TEST(CivilTime, FormatsIsoDatesInAndOutsideFourDigitYears) {
  EXPECT_EQ(formatIsoDate(daysFromCivil(2026, 3, 8)), "2026-03-08");
  EXPECT_EQ(formatIsoDate(daysFromCivil(999, 12, 31)), "0999-12-31");
  EXPECT_EQ(formatIsoDate(daysFromCivil(0, 1, 1)), "0000-01-01");
  EXPECT_EQ(formatIsoDate(daysFromCivil(10000, 1, 1)), "10000-01-01");
}

TEST(CivilTime, ParseIsoDateNeedsARealCalendarDay) {
  EXPECT_EQ(parseIsoDate("2026-01-10"), daysFromCivil(2026, 1, 10));
  EXPECT_EQ(parseIsoDate("2024-02-29"), daysFromCivil(2024, 2, 29));
  for (const char* bad :
       {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-10", "2026-01", "2026-01-10T00:00:00Z", "10/01/2026", ""}) {
    EXPECT_FALSE(parseIsoDate(bad).has_value()) << bad;
  }
}

TEST(CivilTime, UtcOffsets) {
  EXPECT_EQ(parseUtcOffset("Z"), 0);
  EXPECT_EQ(parseUtcOffset("+08:00"), 480);
  EXPECT_EQ(parseUtcOffset("-05:00"), -300);
  EXPECT_EQ(parseUtcOffset("-05:30"), -330);
  EXPECT_FALSE(parseUtcOffset("+0800").has_value());
  EXPECT_FALSE(parseUtcOffset("08:00").has_value());
  EXPECT_FALSE(parseUtcOffset("+08:60").has_value());
}

TEST(CivilTime, FhirDateTimePrecisions) {
  EXPECT_EQ(parseFhirDateTime("2026")->precision, FhirDateTime::Precision::Year);
  EXPECT_EQ(parseFhirDateTime("2026-02")->precision, FhirDateTime::Precision::Month);
  EXPECT_EQ(parseFhirDateTime("2026-02-06")->precision, FhirDateTime::Precision::Day);
  auto t = parseFhirDateTime("2026-02-06T20:15:30.25+05:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->precision, FhirDateTime::Precision::Time);
  EXPECT_EQ(t->hour, 20u);
  EXPECT_EQ(t->minute, 15u);
  EXPECT_EQ(t->second, 30u);
  EXPECT_EQ(t->micros, 250000);
  EXPECT_EQ(t->offset_minutes, 330);
}

TEST(CivilTime, RejectsMalformedDateTimes) {
  for (const char* bad : {"2026-02-06T20:00Z", "2026-02-06T24:00:00Z", "2026-02-06 20:00:00Z", "2026-02-30",
                          "2026-02-06T20:00:00.Z", "26-02-06", "2026-02-06T20:00:00+8:00"}) {
    EXPECT_FALSE(parseFhirDateTime(bad).has_value()) << bad;
  }
}

TEST(CivilTime, UtcEveningIsNextDayInShanghai) {
  // 20:00Z + 8 h = 04:00 on the 7th, local.
  EXPECT_EQ(siteDate("2026-02-06T20:00:00Z"), "2026-02-07");
  // 15:59:59Z + 8 h = 23:59:59 on the 6th; 16:00:00Z is midnight of the 7th.
  EXPECT_EQ(siteDate("2026-02-06T15:59:59Z"), "2026-02-06");
  EXPECT_EQ(siteDate("2026-02-06T16:00:00Z"), "2026-02-07");
}

TEST(CivilTime, NegativeOffsetConvertedToSiteZone) {
  // 10:00-05:00 = 15:00Z = 23:00 Shanghai, same day; 11:00-05:00 = 16:00Z = 00:00 next day.
  EXPECT_EQ(siteDate("2026-02-06T10:00:00-05:00"), "2026-02-06");
  EXPECT_EQ(siteDate("2026-02-06T11:00:00-05:00"), "2026-02-07");
  // Early morning in Shanghai's own zone stays on its date.
  EXPECT_EQ(siteDate("2026-02-07T00:30:00+08:00"), "2026-02-07");
  // 23:00Z = 07:00 next morning in Shanghai.
  EXPECT_EQ(siteDate("2026-02-06T23:00:00Z"), "2026-02-07");
}

TEST(CivilTime, DateOnlyIsThatLocalDateAtMidnight) {
  EXPECT_EQ(siteDate("2026-02-06"), "2026-02-06");
  // 2026-02-06T00:00+08:00 = 2026-02-05T16:00Z
  EXPECT_EQ(siteInstant("2026-02-06"), siteInstant("2026-02-05T16:00:00Z"));
  EXPECT_EQ(siteInstant("2026-02-06"), siteInstant("2026-02-06T00:00:00+08:00"));
}

TEST(CivilTime, TimeWithoutZoneIsSiteLocal) {
  EXPECT_EQ(siteDate("2026-02-06T23:30:00"), "2026-02-06");
  EXPECT_EQ(siteInstant("2026-02-06T23:30:00"), siteInstant("2026-02-06T23:30:00+08:00"));
}

TEST(CivilTime, YearOrMonthPrecisionHasNoDate) {
  EXPECT_EQ(siteDate("2026"), "none");
  EXPECT_EQ(siteDate("2026-02"), "none");
}

TEST(CivilTime, InstantsOrderAcrossZones) {
  // 2026-02-05T20:00-05:00 = 2026-02-06T01:00Z = 2026-02-06T09:00+08:00: the same instant.
  EXPECT_EQ(siteInstant("2026-02-05T20:00:00-05:00"), siteInstant("2026-02-06T09:00:00+08:00"));
  EXPECT_LT(siteInstant("2026-02-06T09:00:00+08:00"), siteInstant("2026-02-06T09:00:00.5+08:00"));
  // 1970-01-01T00:00:01Z is 1 000 000 microseconds after the epoch.
  EXPECT_EQ(siteInstant("1970-01-01T00:00:01Z"), 1000000);
}

}  // namespace
}  // namespace fa::core

TEST(CivilTime, FormatInstantUtcWithMilliseconds) {
  // 2026-03-01 is day 20513 after 1970-01-01: 20513 * 86400 = 1772323200 s.
  EXPECT_EQ(fa::core::formatInstantUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(fa::core::formatInstantUtc(1772323200LL * 1000000 + 123456), "2026-03-01T00:00:00.123Z");
  EXPECT_EQ(fa::core::formatInstantUtc((1772323200LL + 86399) * 1000000 + 999999), "2026-03-01T23:59:59.999Z");
  EXPECT_EQ(fa::core::formatInstantUtc(-1), "1969-12-31T23:59:59.999Z");  // floor, not truncation
}

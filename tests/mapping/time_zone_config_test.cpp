// trial.json time_zone (docs/trial-rules.md "Time"): the name must be in the system tz database;
// the old utc_offset key is accepted only while it agrees with the zone.
#include <gtest/gtest.h>

#include "mapping/config_error.h"
#include "support/mappings_copy.h"

namespace fa::test {
namespace {

// Every problem the copy's load reports, one "file: path: message" string each.
std::string problemsOf(const MappingsCopy& copy) {
  try {
    copy.load();
  } catch (const mapping::ConfigError& e) {
    std::string all;
    for (const std::string& problem : e.problems())
      all += problem + "\n";
    return all;
  }
  return "";
}

void setZone(const MappingsCopy& copy, const std::string& zone_json) {
  copy.replace("trial.json", "\"time_zone\": { \"name\": \"Asia/Shanghai\" }", "\"time_zone\": " + zone_json);
}

TEST(TimeZoneConfig, UnknownZoneNamesTheFileAndTheKey) {
  MappingsCopy copy;
  setZone(copy, R"({ "name": "Mars/Olympus" })");
  const std::string p = problemsOf(copy);
  EXPECT_NE(p.find(copy.path("trial.json") + ": /time_zone/name"), std::string::npos) << p;
  EXPECT_NE(p.find("\"Mars/Olympus\""), std::string::npos) << p;
}

TEST(TimeZoneConfig, AnOffsetThatContradictsTheZoneIsRefused) {
  MappingsCopy copy;
  setZone(copy, R"({ "name": "America/New_York", "utc_offset": "+08:00" })");
  const std::string p = problemsOf(copy);
  EXPECT_NE(p.find(copy.path("trial.json") + ": /time_zone/utc_offset"), std::string::npos) << p;
  EXPECT_NE(p.find("-05:00, -04:00"), std::string::npos) << p;  // what the zone uses
}

TEST(TimeZoneConfig, AnOffsetTheZoneUsesIsAccepted) {
  // Old files: Shanghai's +08:00, and either of New York's offsets, still load.
  for (const char* zone :
       {R"({ "name": "Asia/Shanghai", "utc_offset": "+08:00" })", R"({ "name": "America/New_York", "utc_offset": "-05:00" })",
        R"({ "name": "America/New_York", "utc_offset": "-04:00" })"}) {
    MappingsCopy copy;
    setZone(copy, zone);
    EXPECT_EQ(problemsOf(copy), "") << zone;
  }
}

TEST(TimeZoneConfig, TheZoneComesFromTheName) {
  MappingsCopy copy;
  setZone(copy, R"({ "name": "America/New_York" })");
  auto config = copy.load();
  EXPECT_EQ(config->time_zone_name, "America/New_York");
  // 2026-07-01T12:00Z is in daylight time: UTC-4 (1782907200 = 20635 days and 12 hours after 1970-01-01)
  EXPECT_EQ(config->time_zone.offsetSecondsAt(1'782'907'200), -4 * 3600);
}

}  // namespace
}  // namespace fa::test

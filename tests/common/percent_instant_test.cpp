// common/percent_encoding and common/instant.
#include <gtest/gtest.h>

#include "common/instant.h"
#include "common/percent_encoding.h"

namespace fa::common {
namespace {

TEST(PercentEncoding, UnreservedStayEverythingElseIsEncodedUpperCase) {
  EXPECT_EQ(percentEncode("aZ09-._~"), "aZ09-._~");
  // '|' is 0x7C, ' ' 0x20, '/' 0x2F, ':' 0x3A, 'é' is C3 A9 in UTF-8.
  EXPECT_EQ(percentEncode("http://loinc.org|1975-2"), "http%3A%2F%2Floinc.org%7C1975-2");
  EXPECT_EQ(percentEncode("a b\xC3\xA9"), "a%20b%C3%A9");
  EXPECT_EQ(percentEncode("a,b|c", ","), "a,b%7Cc");  // a FHIR search list keeps its commas
}

TEST(PercentEncoding, FormEncodingWritesSpaceAsPlus) {
  // '+' is 0x2B, '=' 0x3D, '&' 0x26.
  EXPECT_EQ(formUrlEncode("a b+c=d&e~"), "a+b%2Bc%3Dd%26e~");
}

TEST(PercentEncoding, IllegalUrlCharactersOnly) {
  // '%', '?', '&', '=' and ':' stay (an encoded next link is sent byte for byte); '|' -> %7C,
  // ' ' -> %20, '"' -> %22, DEL (0x7F) -> %7F.
  EXPECT_EQ(encodeIllegalUrlCharacters("http://h/Observation?code=a|b&x=%7C c\"\x7F"),
            "http://h/Observation?code=a%7Cb&x=%7C%20c%22%7F");
}

TEST(Instant, FixedWidthUtcWithMilliseconds) {
  EXPECT_EQ(formatInstantMicros(0), "1970-01-01T00:00:00.000Z");
  // 2026-03-01: 20513 days after 1970-01-01 (56 years = 20454 days incl. 14 leap days, + Jan 31
  // + Feb 28 = 59) -> 20513 x 86400 s = 1772323200 s; + 08:00:00.1239 (sub-ms floored).
  EXPECT_EQ(formatInstantMicros(1772323200LL * 1000000 + 8 * 3600LL * 1000000 + 123900), "2026-03-01T08:00:00.123Z");
  // One microsecond before the epoch floors to the last millisecond of 1969.
  EXPECT_EQ(formatInstantMicros(-1), "1969-12-31T23:59:59.999Z");
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1772323200));
  EXPECT_EQ(formatInstant(t), "2026-03-01T00:00:00.000Z");
}

TEST(Instant, NowHasTheFixedForm) {
  const std::string now = nowInstant();
  ASSERT_EQ(now.size(), 24u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_GE(now, "2026-01-01T00:00:00.000Z");  // this code was written in 2026
}

}  // namespace
}  // namespace fa::common

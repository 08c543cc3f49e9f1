// Log values from outside (a notification's resourceType, a server's words) are written as
// valid UTF-8 and cut: the probe saw raw invalid UTF-8 in a log line and a 1 MB resourceType
// echoed into a 1 MB line.
#include <gtest/gtest.h>

#include "daemon/logging.h"

namespace fa::daemon {
namespace {

TEST(LoggableText, ValidUtf8IsKept) {
  EXPECT_EQ(loggableText("Zo\xC3\xAB \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80 ok"),
            "Zo\xC3\xAB \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80 ok");
  EXPECT_EQ(loggableText(""), "");
}

// Each byte outside a valid sequence becomes the four characters \xNN.
TEST(LoggableText, InvalidBytesAreEscaped) {
  EXPECT_EQ(loggableText("a\xFF"
                         "b\xC3"),
            "a\\xFFb\\xC3");                                            // a stray byte; a lead byte at the end
  EXPECT_EQ(loggableText("\xC0\xAF"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(loggableText("\xED\xA0\x80"), "\\xED\\xA0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(loggableText("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(loggableText("\xE6\x9D"
                         "x"),
            "\\xE6\\x9Dx");  // a sequence cut short
}

// 1 MiB of 'A': the first 400 bytes (kMaxLogValue), then how long the value was.
TEST(LoggableText, LongValuesAreCutAtACharacterBoundary) {
  EXPECT_EQ(loggableText(std::string(1 << 20, 'A')), std::string(400, 'A') + "...(cut, 1048576 bytes)");
  // Ten bytes allowed, three-byte characters: three fit (9 bytes), the fourth would not.
  std::string east;
  for (int i = 0; i < 200; ++i)
    east += "\xE6\x9D\xB1";
  EXPECT_EQ(loggableText(east, 10), "\xE6\x9D\xB1\xE6\x9D\xB1\xE6\x9D\xB1...(cut, 600 bytes)");
  EXPECT_EQ(loggableText(std::string(400, 'A')), std::string(400, 'A'));  // exactly the limit: whole
}

}  // namespace
}  // namespace fa::daemon

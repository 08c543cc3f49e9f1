// An audit line nested past the JSON limit (common/json_depth.h, 256 levels) is refused like
// any invalid line, without a recursive parse: `audit verify` and `audit show` read every line.
#include <gtest/gtest.h>

#include "audit/audit_entry.h"

namespace fa::audit {
namespace {

// The prefix {"seq":1,"x": is 13 bytes and opens level 1, so the 257th level is the 256th '[',
// at offset 13 + 255 = 268: the parse stops there.
TEST(AuditNesting, ALineNested100000DeepIsNotValidJson) {
  const std::string line = R"({"seq":1,"x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  std::string why;
  EXPECT_FALSE(parseEntry(line, &why).has_value());
  EXPECT_EQ(why, "not valid JSON (offset 268)");
}

}  // namespace
}  // namespace fa::audit

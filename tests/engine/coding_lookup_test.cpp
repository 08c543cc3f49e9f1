// engine::CodingLookup answers as a lookup of the joined "system|code" text in the
// configuration's coding_index would (docs/contract.md, "Matching"), without joining.
#include "engine/coding_lookup.h"

#include <gtest/gtest.h>

namespace fa {
namespace {

TEST(CodingLookup, MatchesExactlyTheJoinedKeys) {
  const std::unordered_map<std::string, std::size_t> index = {
      {"http://loinc.org|1975-2", 0}, {"http://loinc.org|1751-7", 1}, {"urn:oid:1.2.3|1975-2", 2}};
  const engine::CodingLookup lookup(index);
  EXPECT_EQ(lookup.analyteOf("http://loinc.org", "1975-2"), 0u);
  EXPECT_EQ(lookup.analyteOf("http://loinc.org", "1751-7"), 1u);
  EXPECT_EQ(lookup.analyteOf("urn:oid:1.2.3", "1975-2"), 2u);  // same code, another system
  EXPECT_EQ(lookup.analyteOf("http://loinc.org", "1975"), std::nullopt);
  EXPECT_EQ(lookup.analyteOf("http://loinc.org/", "1975-2"), std::nullopt);
  EXPECT_EQ(lookup.analyteOf("", "1975-2"), std::nullopt);
  EXPECT_EQ(lookup.analyteOf("http://loinc.org", ""), std::nullopt);
}

// "a|b|c" is what system "a", code "b|c" and system "a|b", code "c" both join to: either
// matches, as the joined text would; "a" with "b" or "c" alone does not.
TEST(CodingLookup, AKeyWithSeveralBarsMatchesEverySplitOfIt) {
  const std::unordered_map<std::string, std::size_t> index = {{"a|b|c", 4}, {"|x", 5}, {"y|", 6}};
  const engine::CodingLookup lookup(index);
  EXPECT_EQ(lookup.analyteOf("a", "b|c"), 4u);
  EXPECT_EQ(lookup.analyteOf("a|b", "c"), 4u);
  EXPECT_EQ(lookup.analyteOf("a", "c"), std::nullopt);
  EXPECT_EQ(lookup.analyteOf("a", "b"), std::nullopt);
  EXPECT_EQ(lookup.analyteOf("", "x"), 5u);  // an empty system, as "" + "|" + "x"
  EXPECT_EQ(lookup.analyteOf("y", ""), 6u);  // an empty code
  EXPECT_EQ(lookup.analyteOf("y", "x"), std::nullopt);
}

}  // namespace
}  // namespace fa

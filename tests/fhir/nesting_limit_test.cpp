// The JSON nesting limit (common/json_depth.h, 256 levels) where FHIR input is read: NDJSON
// lines, streamed documents and Bundles, search pages. Each input here nests 100,000 deep,
// which overflowed the stack before (the probe crashed `map` at about 52,000 levels); now each is
// a rejection that names its line or offset, and the input around it is still read.
#include <gtest/gtest.h>

#include <cstdio>

#include "common/json_bounded_parse.h"
#include "common/json_depth.h"
#include "fhir/bundle_page.h"
#include "fhir/resource_stream.h"

namespace fa::fhir {
namespace {

constexpr std::size_t kDeep = 100'000;

std::string deepArray() {
  return std::string(kDeep, '[') + std::string(kDeep, ']');
}

class Sink : public ResourceSink {
 public:
  void onResource(const JsonValue& resource, const ResourceLocation&, const std::optional<BundlePosition>&) override {
    ids.emplace_back(stringMember(resource, "id").value_or(""));
  }
  void onDelete(const DeleteNotice&) override {}
  void onInputError(const ResourceLocation& where, const std::string& message) override {
    errors.push_back(where.describe() + ": " + message);
  }
  std::vector<std::string> ids, errors;
};

Sink read(std::string text) {
  Sink sink;
  std::uint64_t counter = 0;
  std::FILE* f = fmemopen(text.data(), text.size(), "r");
  EXPECT_NE(f, nullptr);
  readResources(f, "in.json", sink, counter);
  std::fclose(f);
  return sink;
}

const std::string kObsA = R"({"resourceType":"Observation","id":"a"})";
const std::string kObsB = R"({"resourceType":"Observation","id":"b"})";
// 43 bytes, one level open (the object): the deep array's brackets open levels 2, 3, ...
const std::string kDeepPrefix = R"({"resourceType":"Observation","id":"d","x":)";

TEST(NestingLimit, CountsBracketsOutsideStringsOnly) {
  EXPECT_EQ(common::jsonTooDeepAt("[[]]", 2), std::nullopt);
  EXPECT_EQ(common::jsonTooDeepAt("[[]]", 1), 1u);                         // the second '[' opens level 2
  EXPECT_EQ(common::jsonTooDeepAt(R"({"a":"[[[[{{"})", 1), std::nullopt);  // brackets inside a string
  EXPECT_EQ(common::jsonTooDeepAt(R"(["\"[[", [[]]])", 2), 10u);           // an escaped quote does not end it
  EXPECT_EQ(common::jsonTooDeepAt(R"(["\\", [[]]])", 2), 8u);              // an escaped backslash does not escape the quote
  EXPECT_EQ(common::jsonTooDeepAt("[]]]]][[", 1), 7u);                     // stray closers do not go below 0
}

TEST(NestingLimit, ParseBoundedStopsAtTheFirstBracketPastTheLimit) {
  rapidjson::Document d;
  const std::string text = deepArray();
  common::parseBounded(d, text);
  ASSERT_TRUE(d.HasParseError());
  EXPECT_EQ(d.GetErrorOffset(), 256u);  // offsets 0..255 open levels 1..256; the parse stops there
  rapidjson::Document ok;
  const std::string limit = std::string(256, '[') + std::string(256, ']');
  common::parseBounded(ok, limit);
  EXPECT_FALSE(ok.HasParseError());  // exactly 256 levels is allowed
}

// The one-pass parse of the hot paths (common/json_bounded_parse.h) stops where the two-pass
// parseBounded does: the 257th '[' is at offset 256, column 257.
TEST(NestingLimit, OnePassParseStopsAtTheSameBracket) {
  rapidjson::Document d;
  std::string text = deepArray();
  const common::BoundedParse inPlace = common::parseInsituBounded<0>(d, text.data());
  ASSERT_TRUE(inPlace.result.IsError());
  EXPECT_TRUE(inPlace.too_deep);
  EXPECT_EQ(inPlace.column(), 257u);
  EXPECT_TRUE(d.IsNull());  // nothing of the partial value is kept

  const common::BoundedParse copied = common::parseTextBounded<0>(d, deepArray());
  EXPECT_TRUE(copied.too_deep);
  EXPECT_EQ(copied.column(), 257u);
}

TEST(NestingLimit, OnePassParseNotesAWatchedMemberNameAsDecoded) {
  const auto sees = [](std::string text) {
    rapidjson::Document d;
    const common::BoundedParse parsed = common::parseInsituBounded<0>(d, text.data(), common::kMaxJsonDepth, "modifierExtension");
    EXPECT_FALSE(parsed.result.IsError()) << text;
    return parsed.saw_watched_key;
  };
  EXPECT_TRUE(sees(R"({"a": [{"modifierExtension": []}]})"));
  EXPECT_TRUE(sees(R"({"modifier\u0045xtension": 1})"));  // \u0045 is "E"
  // A value is no member name, and names that only start or end like it are others.
  EXPECT_FALSE(sees(R"({"url": "modifierExtension", "modifierExtensions": 1, "xmodifierExtension": 2})"));
  rapidjson::Document d;
  std::string text = R"({"modifierExtension": 1})";
  EXPECT_FALSE(common::parseInsituBounded<0>(d, text.data()).saw_watched_key);  // nothing watched
}

TEST(NestingLimit, OnePassParseBuildsTheSameDocumentUpToTheLimit) {
  rapidjson::Document d;
  std::string limit = std::string(256, '[') + std::string(256, ']');
  const common::BoundedParse atLimit = common::parseInsituBounded<0>(d, limit.data());
  EXPECT_FALSE(atLimit.result.IsError());  // exactly 256 levels is allowed
  EXPECT_TRUE(d.IsArray());

  // Not NUL-terminated: the view ends before "garbage"; numbers stay text with the flag.
  const std::string text = R"({"a":[1.50,{"b":"x\"y"}],"c":null}garbage)";
  const common::BoundedParse copied =
      common::parseTextBounded<rapidjson::kParseNumbersAsStringsFlag>(d, std::string_view(text).substr(0, text.find("garbage")));
  ASSERT_FALSE(copied.result.IsError());
  EXPECT_STREQ(d["a"][0].GetString(), "1.50");
  EXPECT_STREQ(d["a"][1]["b"].GetString(), "x\"y");
  EXPECT_TRUE(d["c"].IsNull());

  // An ordinary syntax error keeps RapidJSON's code and reports offset + 1 like Document::Parse.
  const common::BoundedParse broken = common::parseTextBounded<0>(d, R"({"a":})");
  EXPECT_FALSE(broken.too_deep);
  EXPECT_EQ(broken.result.Code(), rapidjson::kParseErrorValueInvalid);
  EXPECT_EQ(broken.column(), 6u);  // offset 5, the '}' where a value belongs
}

// The deep line's 257th bracket is its 256th '[': offset 43 + 255 = 298, column 299.
TEST(NestingLimit, NdjsonLineTooDeepIsRejectedTheOthersRead) {
  const std::string deep = kDeepPrefix + deepArray() + "}";
  Sink middle = read(kObsA + "\n" + deep + "\n" + kObsB + "\n");
  EXPECT_EQ(middle.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(middle.errors,
            (std::vector<std::string>{"in.json line 2: invalid JSON at column 299: nested deeper than 256 levels"}));
  Sink first = read(deep + "\n" + kObsB + "\n");  // the first line also decides NDJSON or document
  EXPECT_EQ(first.ids, (std::vector<std::string>{"b"}));
  EXPECT_EQ(first.errors,
            (std::vector<std::string>{"in.json line 1: invalid JSON at column 299: nested deeper than 256 levels"}));
}

// A pretty-printed Bundle streamed entry by entry: the entry before the deep one is delivered,
// the stream stops on line 5, where the deep entry is.
TEST(NestingLimit, StreamedBundleEntryTooDeepStopsTheDocument) {
  const std::string text = "{\n\"resourceType\": \"Bundle\", \"type\": \"collection\",\n\"entry\": [\n{\"resource\": " + kObsA +
                           "},\n{\"resource\": " + kDeepPrefix + deepArray() + "}}\n]\n}\n";
  Sink s = read(text);
  EXPECT_EQ(s.ids, (std::vector<std::string>{"a"}));
  EXPECT_EQ(s.errors, (std::vector<std::string>{"in.json line 5: invalid JSON: nested deeper than 256 levels"}));
}

// A search page: the prefix opens 4 levels ({ [ { {), so the 257th bracket is the 253rd '[' of
// the deep array, at prefix size + 252.
TEST(NestingLimit, SearchPageTooDeepIsAnError) {
  const std::string prefix = R"({"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","x":)";
  std::string error;
  auto page = parseBundlePage(prefix + deepArray() + "}}]}", error);
  EXPECT_FALSE(page.has_value());
  EXPECT_EQ(error, "invalid JSON at offset " + std::to_string(prefix.size() + 252) + ": nested deeper than 256 levels");
}

}  // namespace
}  // namespace fa::fhir

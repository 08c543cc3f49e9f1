// The quick look at NDJSON lines (adapter/fhir/line_triage.h): what simdjson reports of a valid
// line must be what the RapidJSON path reads (first member of a name, escapes decoded, codings
// in order), and every line it cannot vouch for goes to the full parse, so that nothing is lost.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fhir/line_triage.h"
#include "fhir/resource_stream.h"

namespace fa::fhir {
namespace {

std::vector<std::string> codingTexts(const QuickResource& r) {
  std::vector<std::string> out;
  for (const CodingView& c : *r.codings)
    out.push_back(std::string(c.system) + "|" + std::string(c.code));
  return out;
}

TEST(LineTriage, SeesTypeAndCodingsAsTheFullParseDoes) {
  LineTriage triage;
  // The second "code" member is not the one FHIR readers take (findMember takes the first);
  // a coding that is not an object is skipped; a missing or non-string system reads as "".
  const auto r =
      triage.look(R"({"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"1975\u002d2"},)"
                  R"("x",{"code":"B-1"},{"system":7,"code":"C"}]},"code":{"coding":[{"code":"late"}]}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resource_type, "Observation");
  EXPECT_EQ(codingTexts(*r), (std::vector<std::string>{"http://loinc.org|1975-2", "|B-1", "|C"}));
}

TEST(LineTriage, NoCodingsWhenCodeIsMissingOrMisshapen) {
  LineTriage triage;
  for (const char* line : {R"({"resourceType":"Patient"})", R"({"resourceType":"Observation","code":[1]})",
                           R"({"resourceType":"Observation","code":{"coding":{"code":"1975-2"}}})"}) {
    const auto r = triage.look(line);
    ASSERT_TRUE(r) << line;
    EXPECT_TRUE(r->codings->empty()) << line;
  }
}

TEST(LineTriage, LeavesToTheFullParseWhatItCannotVouchFor) {
  LineTriage triage;
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  const std::vector<std::string> lines = {
      R"({"resourceType":"Observation",})",                     // grammar error
      R"({"resourceType":"Observation"} {})",                   // a second value after the first
      R"([{"resourceType":"Observation"}])",                    // not an object
      R"({"id":"x"})",                                          // no resourceType
      R"({"resourceType":1})",                                  // not a string
      R"({"resourceType":"Bundle","entry":[]})",                // a Bundle is opened by the reader
      "{\"resourceType\":\"Observation\",\"a\":\"\xff\"}",      // invalid UTF-8: RapidJSON takes it
      R"({"resourceType":"Observation","a":"\ud800"})",         // a lone surrogate
      R"({"resourceType":"Observation","deep":)" + deep + "}",  // past the nesting limit
  };
  for (const std::string& line : lines)
    EXPECT_FALSE(triage.look(line)) << line;
}

// With the read-ahead, simdjson reads the line inside the caller's buffer and loads bytes past
// its end; what lies there (here the next line's opening, a quote, a closing brace) must not
// change any answer: the same lines as above, each followed by 64 bytes of such text.
TEST(LineTriage, ReadingInPlaceIgnoresTheBytesAfterTheLine) {
  LineTriage triage;
  const std::string after = R"("}]{"resourceType":"Bundle"},")" + std::string(64, '}');
  const std::string valid = R"({"resourceType":"Observation","code":{"coding":[{"system":"s","code":"c"}]}})";
  const std::string validBuffer = valid + after;
  const auto r = triage.look(std::string_view(validBuffer.data(), valid.size()), after.size());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resource_type, "Observation");
  EXPECT_EQ(codingTexts(*r), (std::vector<std::string>{"s|c"}));
  // A line cut short and one with a second value stay refused, whatever follows them.
  for (const std::string line : {R"({"resourceType":"Observation",)", R"({"resourceType":"Observation"} {})"}) {
    const std::string buffer = line + after;
    EXPECT_FALSE(triage.look(std::string_view(buffer.data(), line.size()), after.size())) << line;
  }
}

// A sink that ignores every resource it is shown at a glance, and records the rest.
class GlancingSink : public ResourceSink {
 public:
  void onResource(const JsonValue& resource, const ResourceLocation& where, const std::optional<BundlePosition>&) override {
    full.push_back(where.describe() + " " + std::string(stringMember(resource, "id").value_or("")));
  }
  void onDelete(const DeleteNotice&) override {}
  void onInputError(const ResourceLocation& where, const std::string& message) override {
    errors.push_back(where.describe() + ": " + message);
  }
  bool wantsQuickLook() const override { return true; }
  bool ignoredAtAGlance(const QuickResource& resource) override {
    glanced.emplace_back(resource.resource_type);
    return true;
  }
  std::vector<std::string> full, errors, glanced;
};

TEST(LineTriage, ReaderSendsOnlyUnvouchedLinesToTheFullParse) {
  std::string text =
      "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n"
      "{\"resourceType\":\"Observation\",\"id\":\"bad-utf8\",\"note\":\"\xff\"}\n"
      "{\"resourceType\":\"Observation\",\"id\":\n"
      "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"Observation\","
      "\"id\":\"in-bundle\"}}]}\n"
      "{\"resourceType\":\"Observation\",\"id\":\"o\"}\n";
  std::FILE* f = fmemopen(text.data(), text.size(), "r");
  ASSERT_NE(f, nullptr);
  GlancingSink sink;
  std::uint64_t bundles = 0;
  readResources(f, "in.ndjson", sink, bundles);
  std::fclose(f);
  // Lines 1 and 5 at a glance; line 2 (simdjson refuses the byte, RapidJSON does not) and the
  // Bundle's entry in full; line 3 is the full parse's error, with its usual message.
  EXPECT_EQ(sink.glanced, (std::vector<std::string>{"Patient", "Observation"}));
  EXPECT_EQ(sink.full, (std::vector<std::string>{"in.ndjson line 2 bad-utf8", "in.ndjson line 4 entry 0 in-bundle"}));
  ASSERT_EQ(sink.errors.size(), 1u);
  EXPECT_EQ(sink.errors[0].rfind("in.ndjson line 3: invalid JSON at column", 0), 0u) << sink.errors[0];
}

}  // namespace
}  // namespace fa::fhir

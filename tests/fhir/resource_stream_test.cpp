// Streaming every input layout: NDJSON (with a malformed line in the middle), Bundles of any
// type (entries delivered one by one, nested Bundles opened), history deletes (also when
// Bundle.type comes after Bundle.entry), single resources, and input errors with locations.
#include <gtest/gtest.h>

#include <cstdio>

#include "fhir/resource_stream.h"

namespace fa::fhir {
namespace {

struct Seen {
  std::string id;
  std::string where;
  std::optional<BundlePosition> position;
};

class RecordingSink : public ResourceSink {
 public:
  void onResource(const JsonValue& resource, const ResourceLocation& where,
                  const std::optional<BundlePosition>& position) override {
    resources.push_back({std::string(stringMember(resource, "id").value_or("")), where.describe(), position});
  }
  void onDelete(const DeleteNotice& notice) override { deletes.push_back(notice); }
  void onInputError(const ResourceLocation& where, const std::string& message) override {
    errors.push_back(where.describe() + ": " + message);
  }
  std::vector<Seen> resources;
  std::vector<DeleteNotice> deletes;
  std::vector<std::string> errors;
};

RecordingSink read(std::string text, std::uint64_t* counter = nullptr) {
  RecordingSink sink;
  std::uint64_t local = 0;
  if (text.empty()) text = " ";  // fmemopen refuses size 0
  std::FILE* f = fmemopen(text.data(), text.size(), "r");
  EXPECT_NE(f, nullptr);
  readResources(f, "in.json", sink, counter ? *counter : local);
  std::fclose(f);
  return sink;
}

std::vector<std::string> ids(const RecordingSink& s) {
  std::vector<std::string> out;
  for (const auto& r : s.resources)
    out.push_back(r.id);
  return out;
}

const char* kObs1 = R"({"resourceType": "Observation", "id": "a", "valueQuantity": {"value": 1.10}})";
const char* kObs2 = R"({"resourceType": "Observation", "id": "b"})";
const char* kObs3 = R"({"resourceType": "Observation", "id": "c"})";

TEST(ResourceStream, NdjsonLines) {
  auto s = read(std::string(kObs1) + "\n" + kObs2 + "\n" + kObs3 + "\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.resources[1].where, "in.json line 2");
  EXPECT_FALSE(s.resources[1].position.has_value());
}

// The reader's buffer starts at 64 KB and grows: a 3 MB line (a resource with a long note)
// after a short one, and another short one after it, are all read, with their line numbers.
TEST(ResourceStream, LinesLongerThanTheFirstReadAreReadWhole) {
  const std::string note(3u << 20, 'x');
  const std::string big = R"({"resourceType": "Observation", "id": "big", "note": [{"text": ")" + note + "\"}]}";
  auto s = read(std::string(kObs1) + "\n" + big + "\n" + kObs3 + "\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "big", "c"}));
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.resources[2].where, "in.json line 3");
}

// A pretty-printed Bundle of 2,000 entries (about 150 KB, past the first 64 KB read) streams
// every entry in order.
TEST(ResourceStream, DocumentLongerThanTheFirstReadStreamsEveryEntry) {
  std::string bundle = "{\n  \"resourceType\": \"Bundle\",\n  \"entry\": [\n";
  for (int i = 0; i < 2000; ++i)
    bundle += std::string(i ? ",\n" : "") + R"(    {"resource": {"resourceType": "Observation", "id": "o)" + std::to_string(i) +
              R"(", "status": "final"}})";
  bundle += "\n  ]\n}\n";
  ASSERT_GT(bundle.size(), 64u << 10);
  auto s = read(bundle);
  ASSERT_EQ(s.resources.size(), 2000u);
  EXPECT_EQ(s.resources.front().id, "o0");
  EXPECT_EQ(s.resources.back().id, "o1999");
  EXPECT_TRUE(s.errors.empty());
}

TEST(ResourceStream, MalformedLineInTheMiddleIsReportedAndSkipped) {
  auto s = read(std::string(kObs1) + "\n{\"resourceType\": \"Observation\", \"id\": \"broken\"\n" + kObs3 + "\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].rfind("in.json line 2: invalid JSON", 0), 0u) << s.errors[0];
}

TEST(ResourceStream, BlankLinesCrlfAndMissingFinalNewline) {
  auto s = read(std::string("\n") + kObs1 + "\r\n\n   \n" + kObs2);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.resources[1].where, "in.json line 5");
}

TEST(ResourceStream, LeadingBlankLinesCountInLineNumbers) {
  // Line 3 is the malformed one: the two blank lines before the content still count.
  auto s = read(std::string("\n\n{\"resourceType\": \n") + kObs2 + "\n");
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].rfind("in.json line 3:", 0), 0u) << s.errors[0];
  EXPECT_EQ(s.resources.at(0).where, "in.json line 4");
  // A pretty-printed document after a blank line: the error is on file line 4.
  auto d = read("\n{\n\"resourceType\": \"Bundle\",\n\"entry\": [}\n");
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_NE(d.errors[0].find("line 4"), std::string::npos) << d.errors[0];
}

TEST(ResourceStream, ByteOrderMark) {
  auto s = read(std::string("\xEF\xBB\xBF") + kObs1 + "\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a"}));
}

TEST(ResourceStream, EmptyInputIsNothing) {
  auto s = read("");
  EXPECT_TRUE(s.resources.empty());
  EXPECT_TRUE(s.errors.empty());
}

TEST(ResourceStream, NdjsonLineWithoutResourceType) {
  auto s = read(std::string(kObs1) + "\n{\"id\": \"x\"}\n[1, 2]\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a"}));
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_NE(s.errors[0].find("line 2"), std::string::npos);
  EXPECT_NE(s.errors[1].find("line 3"), std::string::npos);
}

TEST(ResourceStream, PrettyPrintedBundleEntriesInOrder) {
  std::string text = std::string("{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"searchset\",\n  \"entry\": [\n") +
                     "    {\"resource\": " + kObs1 + "},\n    {\"resource\": " + kObs2 + "}\n  ]\n}\n";
  auto s = read(text);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(s.errors.empty());
  EXPECT_EQ(s.resources[1].where, "in.json entry 1");
  ASSERT_TRUE(s.resources[1].position.has_value());
  EXPECT_EQ(s.resources[1].position->index, 1u);
}

TEST(ResourceStream, SingleLineBundleInNdjson) {
  std::string bundle = std::string(R"({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": )") + kObs1 +
                       "}, {\"resource\": " + kObs2 + "}]}";
  auto s = read(bundle + "\n" + kObs3 + "\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(s.resources[1].where, "in.json line 1 entry 1");
}

TEST(ResourceStream, NestedBundleOpened) {
  std::string text = std::string("{\n\"resourceType\": \"Bundle\", \"type\": \"batch-response\", \"entry\": [\n") +
                     R"({"resource": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": )" + kObs1 +
                     "}]}},\n" + "{\"resource\": " + kObs2 + "}\n]}\n";
  auto s = read(text);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.resources[0].where, "in.json entry 0 entry 0");
}

TEST(ResourceStream, SingleResourceDocument) {
  auto s = read("{\n  \"resourceType\": \"Observation\",\n  \"id\": \"solo\"\n}\n");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"solo"}));
}

TEST(ResourceStream, HistoryDeletes) {
  std::string text =
      std::string("{\n\"resourceType\": \"Bundle\", \"type\": \"history\", \"entry\": [\n") +
      R"({"request": {"method": "DELETE", "url": "Observation/x1"}, "response": {"status": "204", "lastModified": "2026-02-01T00:00:00Z"}},)"
      "\n" +
      R"({"request": {"method": "DELETE", "url": "https://h/fhir/Observation/x2/_history/3"}},)"
      "\n" +
      "{\"resource\": " + kObs1 + ", \"request\": {\"method\": \"PUT\", \"url\": \"Observation/a\"}}\n]}\n";
  auto s = read(text);
  ASSERT_EQ(s.deletes.size(), 2u);
  EXPECT_EQ(s.deletes[0].resource_type, "Observation");
  EXPECT_EQ(s.deletes[0].id, "x1");
  ASSERT_TRUE(s.deletes[0].last_modified.has_value());
  EXPECT_EQ(s.deletes[0].position.index, 0u);
  EXPECT_EQ(s.deletes[1].id, "x2");
  EXPECT_FALSE(s.deletes[1].last_modified.has_value());
  EXPECT_EQ(s.deletes[1].position.index, 1u);
  ASSERT_EQ(s.resources.size(), 1u);
  EXPECT_EQ(s.resources[0].position->bundle, s.deletes[0].position.bundle);  // same Bundle
  EXPECT_EQ(s.resources[0].position->index, 2u);
}

TEST(ResourceStream, BundleTypeAfterEntryStillMakesAHistory) {
  std::string text = "{\n\"resourceType\": \"Bundle\", \"entry\": [\n" +
                     std::string(R"({"request": {"method": "DELETE", "url": "Observation/x1"}})") +
                     "\n], \"type\": \"history\"\n}\n";
  auto s = read(text);
  ASSERT_EQ(s.deletes.size(), 1u);
  EXPECT_EQ(s.deletes[0].id, "x1");
}

TEST(ResourceStream, DeletesOutsideHistoryBundlesIgnored) {
  std::string text = "{\n\"resourceType\": \"Bundle\", \"type\": \"transaction\", \"entry\": [\n" +
                     std::string(R"({"request": {"method": "DELETE", "url": "Observation/x1"}})") + "\n]}\n";
  EXPECT_TRUE(read(text).deletes.empty());
}

TEST(ResourceStream, BadEntriesReportedOthersKept) {
  std::string text = std::string("{\n\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\n") + "42,\n" +
                     "{\"resource\": " + kObs1 + "},\n{\"resource\": \"text\"}\n]}\n";
  auto s = read(text);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a"}));
  ASSERT_EQ(s.errors.size(), 2u);
  EXPECT_NE(s.errors[0].find("entry 0"), std::string::npos) << s.errors[0];
  EXPECT_NE(s.errors[1].find("entry 2"), std::string::npos) << s.errors[1];
}

TEST(ResourceStream, TruncatedDocumentKeepsEntriesReadSoFar) {
  std::string text = std::string("{\n\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\n") +
                     "{\"resource\": " + kObs1 + "},\n{\"resource\": {\"resourceType\": \"Obs";
  auto s = read(text);
  EXPECT_EQ(ids(s), (std::vector<std::string>{"a"}));
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors[0].find("invalid JSON"), std::string::npos) << s.errors[0];
  EXPECT_NE(s.errors[0].find("line 4"), std::string::npos) << s.errors[0];
}

TEST(ResourceStream, NumbersStayExactText) {
  RecordingSink sink;
  struct Capture : ResourceSink {
    std::string value;
    void onResource(const JsonValue& r, const ResourceLocation&, const std::optional<BundlePosition>&) override {
      value = std::string(textOf(*findMember(*findMember(r, "valueQuantity"), "value")));
    }
    void onDelete(const DeleteNotice&) override {}
    void onInputError(const ResourceLocation&, const std::string&) override {}
  } capture;
  std::string text =
      std::string("{\n\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [{\"resource\": ") + kObs1 + "}]}\n";
  std::FILE* f = fmemopen(text.data(), text.size(), "r");
  std::uint64_t counter = 0;
  readResources(f, "in.json", capture, counter);
  std::fclose(f);
  EXPECT_EQ(capture.value, "1.10");
}

TEST(ResourceStream, BundleCounterNumbersBundlesAcrossInputs) {
  std::uint64_t counter = 0;
  std::string bundle = std::string(R"({"resourceType": "Bundle", "type": "history", "entry": [{"resource": )") + kObs1 + "}]}\n";
  auto first = read(bundle, &counter);
  auto second = read(bundle, &counter);
  EXPECT_NE(first.resources[0].position->bundle, second.resources[0].position->bundle);
  EXPECT_EQ(counter, 2u);
}

TEST(ResourceLocation, Describe) {
  ResourceLocation where{"x.ndjson", 7, {2, 0}};
  EXPECT_EQ(where.describe(), "x.ndjson line 7 entry 2 entry 0");
  EXPECT_EQ((ResourceLocation{"b.json", 0, {}}).describe(), "b.json");
}

}  // namespace
}  // namespace fa::fhir

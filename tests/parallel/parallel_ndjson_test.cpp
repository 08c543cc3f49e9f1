// The parallel NDJSON reader (adapter/fhir/parallel_ndjson.h) with a sink of the test's own:
// every line reaches the sink once, in input order, whichever thread parsed it; a failure on
// a worker or in the sink comes out of readResources in its place and stops the workers.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fhir/json_text.h"
#include "fhir/resource_stream.h"

namespace fa::fhir {
namespace {

struct PreparedId final : PreparedResource {
  std::string id;
  bool patient = false;
};

class IdPreparer final : public ResourcePreparer {
 public:
  explicit IdPreparer(std::string fail_on) : fail_on_(std::move(fail_on)) {}
  bool ignoredAtAGlance(const QuickResource& r) override { return r.resource_type == "Patient"; }
  void prepare(const JsonValue& resource, const ParseNotes&, std::unique_ptr<PreparedResource>& slot) override {
    if (!slot) slot = std::make_unique<PreparedId>();
    auto& p = static_cast<PreparedId&>(*slot);
    p.id = std::string(stringMember(resource, "id").value_or(""));
    p.patient = stringMember(resource, "resourceType").value_or("") == "Patient";
    if (p.id == fail_on_) throw std::runtime_error("prepare failed on " + p.id);
  }

 private:
  std::string fail_on_;
};

// Writes down what reaches it as "line N: id" (Bundle entries as "line N entry E: id").
class OrderSink final : public ResourceSink {
 public:
  std::vector<std::string> seen;
  std::size_t ignored = 0;
  std::string fail_preparing_on, fail_applying_on;

  void onResource(const JsonValue& resource, const ResourceLocation& where, const std::optional<BundlePosition>&) override {
    const std::string id(stringMember(resource, "id").value_or(""));
    if (stringMember(resource, "resourceType").value_or("") == "Patient") {
      ++ignored;  // what the quick look would have decided
      return;
    }
    seen.push_back(where.describe() + ": " + id);
  }
  void onDelete(const DeleteNotice&) override {}
  void onInputError(const ResourceLocation& where, const std::string& message) override {
    seen.push_back(where.describe() + ": error " + message);
  }
  bool wantsQuickLook() const override { return true; }
  bool ignoredAtAGlance(const QuickResource& r) override {
    if (r.resource_type != "Patient") return false;
    ++ignored;
    return true;
  }
  bool preparesInParallel() const override { return true; }
  std::unique_ptr<ResourcePreparer> makePreparer() const override { return std::make_unique<IdPreparer>(fail_preparing_on); }
  void applyPrepared(PreparedResource& prepared, const ResourceLocation& where) override {
    const auto& p = static_cast<PreparedId&>(prepared);
    if (p.id == fail_applying_on) throw std::runtime_error("apply failed on " + p.id);
    if (p.patient) {
      ++ignored;  // as onResource
      return;
    }
    seen.push_back(where.describe() + ": " + p.id);
  }
  void takenAtAGlance() override { ++ignored; }
};

// 5,000 lines: Observations o<i>, every third line a Patient, every 500th a Bundle of two.
std::string input() {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    const std::string n = std::to_string(i);
    if (i % 500 == 499)
      text +=
          R"({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation", "id": "e)" +
          n + R"(a"}}, {"resource": {"resourceType": "Observation", "id": "e)" + n + R"(b"}}]})";
    else if (i % 3 == 2)
      text += R"({"resourceType": "Patient", "id": "p)" + n + "\"}";
    else
      text += R"({"resourceType": "Observation", "id": "o)" + n + "\"}";
    text += "\n";
  }
  return text;
}

void read(OrderSink& sink, std::string text, unsigned threads) {
  std::FILE* f = fmemopen(text.data(), text.size(), "r");
  ASSERT_NE(f, nullptr);
  std::uint64_t bundles = 0;
  try {
    readResources(f, "in.ndjson", sink, bundles, {threads});
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
}

TEST(ParallelNdjson, EveryLineReachesTheSinkOnceInInputOrder) {
  OrderSink one, two;
  read(one, input(), 1);
  read(two, input(), 2);
  // By hand: of 5,000 lines, 10 are Bundles (i = 499, 999, ...). Of the other 4,990, the
  // Patients are the i with i % 3 == 2: 1,666 of 0..4999, less the 3 Bundle lines with
  // i % 3 == 2 (1499, 2999, 4499) = 1,663. Seen: 4,990 - 1,663 = 3,327 Observations + 20 entries.
  EXPECT_EQ(two.ignored, 1663u);
  ASSERT_EQ(two.seen.size(), 3347u);
  EXPECT_EQ(two.seen[0], "in.ndjson line 1: o0");
  EXPECT_EQ(two.seen[1], "in.ndjson line 2: o1");
  EXPECT_EQ(two.seen[2], "in.ndjson line 4: o3");
  EXPECT_EQ(two.seen.back(), "in.ndjson line 5000 entry 1: e4999b");
  EXPECT_EQ(two.seen, one.seen);
  EXPECT_EQ(two.ignored, one.ignored);
}

TEST(ParallelNdjson, AFailureOnAWorkerComesOutInItsPlace) {
  OrderSink sink;
  sink.fail_preparing_on = "o3001";
  EXPECT_THROW(
      {
        try {
          read(sink, input(), 2);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "prepare failed on o3001");
          throw;
        }
      },
      std::runtime_error);
  // Everything before line 3002 was handed over, nothing after it.
  ASSERT_FALSE(sink.seen.empty());
  EXPECT_EQ(sink.seen.back(), "in.ndjson line 3001: o3000");
}

TEST(ParallelNdjson, AFailureInTheSinkStopsTheWorkers) {
  OrderSink sink;
  sink.fail_applying_on = "o10";
  EXPECT_THROW(read(sink, input(), 3), std::runtime_error);
  ASSERT_FALSE(sink.seen.empty());
  EXPECT_EQ(sink.seen.back(), "in.ndjson line 10: o9");
}

}  // namespace
}  // namespace fa::fhir

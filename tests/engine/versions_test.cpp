// Result status and versions (docs/trial-rules.md): newer versions replace older ones ("10" after "9",
// non-numeric by lastUpdated), duplicates are one record, entered-in-error retracts keeping the
// last usable version's values, cancelled hides, deletes in history Bundles withdraw.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"

namespace fa::test {
namespace {

Obs bili(const char* value, const char* id = "o1") {
  return Obs(id).analyte("BILI").effective("2026-01-29").value(qty(value, "umol/L"));
}

TEST(Versions, HigherVersionReplaces) {
  auto run = runObservations({bili("10").version("1").updated("2026-02-01T00:00:00Z"),
                              bili("12").version("2").status("amended").updated("2026-02-02T00:00:00Z")});
  ASSERT_EQ(run.records.size(), 1u);
  const auto& r = run.records.front();
  EXPECT_EQ(r.observation, "Observation/o1/_history/2");
  EXPECT_EQ(r.status, "amended");
  EXPECT_EQ(text(r.value), "12");
  EXPECT_TRUE(r.selected);
}

TEST(Versions, ArrivalOrderDoesNotMatter) {
  auto run = runObservations({bili("12").version("2"), bili("10").version("1")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(text(run.records.front().value), "12");
}

TEST(Versions, NumericComparisonTenAfterNine) {
  // As strings "9" > "10"; as numbers 10 is newer. lastUpdated deliberately points the other way.
  auto run = runObservations(
      {bili("10").version("10").updated("2026-02-01T00:00:00Z"), bili("9").version("9").updated("2026-02-05T00:00:00Z")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().observation, "Observation/o1/_history/10");
  EXPECT_EQ(text(run.records.front().value), "10");
}

TEST(Versions, NonNumericVersionsByLastUpdated) {
  auto run = runObservations(
      {bili("11").version("b").updated("2026-02-01T00:00:00Z"), bili("13").version("a").updated("2026-02-03T00:00:00Z")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().observation, "Observation/o1/_history/a");
  EXPECT_EQ(text(run.records.front().value), "13");
}

TEST(Versions, MixedNumericAndTextByLastUpdated) {
  auto run = runObservations(
      {bili("11").version("5").updated("2026-02-03T00:00:00Z"), bili("13").version("v2").updated("2026-02-01T00:00:00Z")});
  EXPECT_EQ(run.records.front().observation, "Observation/o1/_history/5");
}

TEST(Versions, NoVersionIdGivesPlainReference) {
  auto r = runOne(bili("10"));
  EXPECT_EQ(r.observation, "Observation/o1");
}

TEST(Versions, DuplicateVersionIsOneRecordTheLaterLastUpdated) {
  auto run = runObservations({bili("10").version("3").updated("2026-02-01T00:00:00Z"),
                              bili("14").version("3").updated("2026-02-02T00:00:00Z"),
                              bili("12").version("3").updated("2026-01-31T00:00:00Z")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(text(run.records.front().value), "14");
}

TEST(Versions, DuplicateVersionWithoutLastUpdatedKeepsTheFirstSeen) {
  auto run = runObservations({bili("10").version("3"), bili("14").version("3")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(text(run.records.front().value), "10");
}

TEST(Versions, EnteredInErrorRetractsWithLastUsableValues) {
  auto run = runObservations({bili("25").version("1").updated("2026-02-01T00:00:00Z"),
                              bili("26").version("2").status("amended").updated("2026-02-02T00:00:00Z"),
                              Obs("o1")
                                  .analyte("BILI")
                                  .effective("2026-01-29")
                                  .version("3")
                                  .status("entered-in-error")
                                  .updated("2026-02-03T00:00:00Z")});
  ASSERT_EQ(run.records.size(), 1u);
  const auto& r = run.records.front();
  EXPECT_EQ(r.status, "retracted");
  EXPECT_EQ(r.observation, "Observation/o1/_history/3");
  EXPECT_EQ(text(r.value), "26");  // version 2, the last usable one
  EXPECT_EQ(r.source_value, "26");
  EXPECT_FALSE(r.flag.has_value());
  EXPECT_FALSE(r.ctcae_grade.has_value());
  EXPECT_FALSE(r.selected);
  EXPECT_EQ(r.visit, "W4");
}

TEST(Versions, EnteredInErrorSkipsAPreliminaryVersion) {
  auto run = runObservations({bili("25").version("1"), bili("99").version("2").status("preliminary"),
                              bili("99").version("3").status("entered-in-error")});
  EXPECT_EQ(text(run.records.front().value), "25");
  EXPECT_EQ(run.records.front().status, "retracted");
}

TEST(Versions, RetractionRecomputesTheSelection) {
  // o1 (day 29) would win W4; it is withdrawn, so o2 (day 31) represents the visit.
  auto run = runObservations({bili("25", "o1").version("1"), bili("25", "o1").version("2").status("entered-in-error"),
                              Obs("o2").analyte("BILI").effective("2026-01-31").value(qty("15", "umol/L"))});
  EXPECT_FALSE(run.get("o1").selected);
  EXPECT_TRUE(run.get("o2").selected);
}

TEST(Versions, CancelledIsNotOutputWithItsOlderVersions) {
  auto run = runObservations({bili("25").version("1"), bili("25").version("2").status("cancelled"), bili("15", "other")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().resource_id, "other");
  EXPECT_EQ(runObservations({bili("25").status("cancelled")}).records.size(), 0u);
}

TEST(Versions, OlderCancelledVersionDoesNotHideANewerOne) {
  auto run = runObservations({bili("25").version("1").status("cancelled"), bili("20").version("2")});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(text(run.records.front().value), "20");
}

// History Bundles, newest first.
std::string historyBundle(const std::vector<std::string>& entries, const char* type = "history") {
  std::string out = std::string("{\"resourceType\": \"Bundle\", \"type\": \"") + type + "\", \"entry\": [";
  for (std::size_t i = 0; i < entries.size(); ++i)
    out += (i ? ", " : "") + entries[i];
  return out + "]}";
}
std::string deleteEntry(const char* id, const char* lastModified = nullptr) {
  std::string out = std::string(R"({"request": {"method": "DELETE", "url": "Observation/)") + id + "\"}";
  if (lastModified) out += std::string(R"(, "response": {"status": "204", "lastModified": ")") + lastModified + "\"}";
  return out + "}";
}
std::string resourceEntry(const Obs& o) {
  return "{\"resource\": " + o.json() + ", \"request\": {\"method\": \"PUT\", \"url\": \"Observation/o1\"}}";
}

TEST(Deletes, NewerDeleteByLastModifiedRetracts) {
  auto run = runInputs({historyBundle(
      {deleteEntry("o1", "2026-02-05T00:00:00Z"), resourceEntry(bili("25").version("1").updated("2026-02-01T00:00:00Z"))})});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().status, "retracted");
  EXPECT_EQ(text(run.records.front().value), "25");  // the last known version's values
  EXPECT_FALSE(run.records.front().flag.has_value());
  EXPECT_FALSE(run.records.front().selected);
}

TEST(Deletes, OlderDeleteByLastModifiedIsIgnored) {
  // The resource was deleted, then recreated: the version is later than the delete.
  auto run = runInputs({historyBundle(
      {resourceEntry(bili("25").version("3").updated("2026-02-05T00:00:00Z")), deleteEntry("o1", "2026-02-02T00:00:00Z")})});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().status, "final");
  EXPECT_TRUE(run.records.front().selected);
}

TEST(Deletes, WithoutLastModifiedFirstInBundleIsNewer) {
  auto deleted = runInputs({historyBundle({deleteEntry("o1"), resourceEntry(bili("25").version("1"))})});
  EXPECT_EQ(deleted.records.front().status, "retracted");
  auto recreated = runInputs({historyBundle({resourceEntry(bili("25").version("2")), deleteEntry("o1")})});
  EXPECT_EQ(recreated.records.front().status, "final");
}

TEST(Deletes, OnlyHistoryBundlesDelete) {
  auto run = runInputs({historyBundle(
      {deleteEntry("o1", "2026-02-05T00:00:00Z"), resourceEntry(bili("25").version("1").updated("2026-02-01T00:00:00Z"))},
      "transaction")});
  EXPECT_EQ(run.records.front().status, "final");
}

TEST(Deletes, BundleTypeAfterEntryStillCounts) {
  std::string text = "{\"resourceType\": \"Bundle\", \"entry\": [" + deleteEntry("o1") + ", " +
                     resourceEntry(bili("25").version("1")) + "], \"type\": \"history\"}";
  auto run = runInputs({text});
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records.front().status, "retracted");
}

TEST(Deletes, DeleteOfAnotherIdLeavesThisOne) {
  auto run = runInputs({historyBundle(
      {deleteEntry("o9", "2026-02-05T00:00:00Z"), resourceEntry(bili("25").version("1").updated("2026-02-01T00:00:00Z"))})});
  EXPECT_EQ(run.records.front().status, "final");
}

}  // namespace
}  // namespace fa::test

// Reading NDJSON on several threads (adapter/fhir/parallel_ndjson.h) changes how fast `map`
// reads, never what comes out: the same file mapped on 1, 2 and 3 threads gives the same
// records, counts and rejections, the rejections in input order.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"

namespace fa::test {
namespace {

Obs albumin(const std::string& id) {
  return Obs(id).analyte("ALB").effective("2026-01-29").value(qty("42", "g/L"));
}

// 3,000 lines, ten kinds in turn (line i, 0-based, is of kind i % 10): enough for several
// batches (at most 1,024 lines each) on every worker.
std::string mixedInput() {
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 10) {
      case 0:  // a record's first version
        text += albumin("a" + n).version("1").updated("2026-01-29T10:00:00Z").json();
        break;
      case 1:  // off the roster
        text += albumin("off" + n).subject("Patient/elsewhere").json();
        break;
      case 2:  // another code: ignored (CRLF line end)
        text += Obs("glu" + n).loinc("2345-7").value(qty("5", "mmol/L")).json() + "\r";
        break;
      case 3:  // another resource type: ignored
        text += R"({"resourceType": "Patient", "id": "p)" + n + "\"}";
        break;
      case 4:  // blank
        text += "   ";
        break;
      case 5:  // broken JSON: rejected
        text += R"({"resourceType": "Observation", "id": )";
        break;
      case 6:  // an invalid status: rejected
        text += albumin("bad" + n).status("done").json();
        break;
      case 7:  // the second version of the record 7 lines up, in another batch at times
        text += Obs("a" + std::to_string(i - 7))
                    .analyte("ALB")
                    .version("2")
                    .updated("2026-01-30T10:00:00Z")
                    .effective("2026-01-29")
                    .value(qty("40", "g/L"))
                    .json();
        break;
      case 8:  // a Bundle on a line: its entry is a record
        text += R"({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": )" + albumin("b" + n).json() + "}]}";
        break;
      case 9:  // not an object: rejected
        text += "[1, 2]";
        break;
    }
    text += "\n";
  }
  return text;
}

TEST(ParallelRead, SameRecordsCountsAndRejectionsOnOneTwoAndThreeThreads) {
  const std::string text = mixedInput();
  const RunResult one = runInputs({text}, kDefaultRoster, defaultConfig(), "", true, 1);
  const RunResult two = runInputs({text}, kDefaultRoster, defaultConfig(), "", true, 2);
  const RunResult three = runInputs({text}, kDefaultRoster, defaultConfig(), "", true, 3);

  // By hand, 300 lines of each kind: resources are kinds 0, 1, 2, 3, 6, 7 and the Bundle's
  // entry (7 x 300 = 2,100); records a<n> (in their second version) and b<n> (600); 300 off
  // the roster; kinds 2 and 3 ignored (600); kinds 5, 6 and 9 rejected (900).
  for (const RunResult* run : {&one, &two, &three}) {
    EXPECT_EQ(run->counts.resources_read, 2100u);
    EXPECT_EQ(run->counts.records_written, 600u);
    EXPECT_EQ(run->counts.skipped_not_on_roster, 300u);
    EXPECT_EQ(run->counts.ignored, 600u);
    EXPECT_EQ(run->counts.rejected, 900u);
    ASSERT_NE(run->find("a2990"), nullptr);
    EXPECT_EQ(run->get("a2990").observation, "Observation/a2990/_history/2");
    EXPECT_EQ(run->get("a2990").source_value, "40");
  }
  EXPECT_EQ(ndjsonOf(two), ndjsonOf(one));
  EXPECT_EQ(ndjsonOf(three), ndjsonOf(one));
  EXPECT_EQ(rejectionTexts(two), rejectionTexts(one));
  EXPECT_EQ(rejectionTexts(three), rejectionTexts(one));
}

// Past a small memory budget both sorted runs spill, each run written on a thread of its own
// while reading and resolving go on (engine/sorted_runs.h): still the same text.
TEST(ParallelRead, SpilledOnWorkersTheRecordsAreTheSame) {
  auto mapped = [](std::size_t budget, unsigned threads) {
    engine::SessionOptions options{""};
    options.memory_budget = budget;
    engine::MappingSession session(defaultConfig(), rosterFrom(kDefaultRoster), options, {});
    std::string copy = mixedInput();
    std::FILE* f = fmemopen(copy.data(), copy.size(), "r");
    std::uint64_t bundles = 0;
    fhir::readResources(f, "test-input", session, bundles, {threads});
    std::fclose(f);
    std::string out;
    session.finish([](const engine::OutcomeRecord& r, std::string& t) { engine::appendNdjson(t, r); },
                   [&](std::string_view t) { out += t; }, threads);
    return out;
  };
  const std::string inMemory = mapped(std::size_t{64} << 20, 1);
  // 16 KB: each sorted run gets 8 KB, a few dozen entries, so there are dozens of runs.
  EXPECT_EQ(mapped(16 << 10, 2), inMemory);
  EXPECT_EQ(mapped(16 << 10, 1), inMemory);
}

TEST(ParallelRead, RejectionsComeInInputOrder) {
  const RunResult two = runInputs({mixedInput()}, kDefaultRoster, defaultConfig(), "", true, 2);
  ASSERT_EQ(two.rejections.size(), 900u);
  // Lines are numbered from 1: kind 5 is line 6, kind 6 line 7, kind 9 line 10, then line 16.
  EXPECT_EQ(two.rejections[0].where, "test-input line 6");
  EXPECT_EQ(two.rejections[1].where, "test-input line 7");
  EXPECT_EQ(two.rejections[1].resource, "Observation/bad6");
  EXPECT_EQ(two.rejections[2].where, "test-input line 10");
  EXPECT_EQ(two.rejections[2].why, "not a JSON object (a FHIR resource or Bundle)");
  EXPECT_EQ(two.rejections[3].where, "test-input line 16");
  EXPECT_EQ(two.rejections[899].where, "test-input line 3000");
}

// finish() formatting on workers: 6,000 records of three subjects, two analytes and dates over
// a year (so several visits, selections and baselines), well past one 256 KB output batch.
TEST(ParallelRead, FormattedOnWorkersTheTextIsTheSequentialRecordsInOrder) {
  std::string text;
  for (int i = 0; i < 6000; ++i) {
    const std::string day = std::to_string(10 + i % 19);
    const std::string month = (i % 12 < 9 ? "0" : "") + std::to_string(1 + i % 12);
    Obs o = Obs("r" + std::to_string(i)).effective("2026-" + month + "-" + day);
    if (i % 2 == 0)
      o.analyte("ALB").value(qty(std::to_string(30 + i % 15), "g/L"));
    else
      o.analyte("BILI").value(qty(std::to_string(10 + i % 40), "umol/L"));
    if (i % 3 == 1) o.subject("Patient/p2");
    if (i % 3 == 2) o.subjectRaw(R"({"identifier": {"system": "urn:oid:1.2.156.1", "value": "MRN-3"}})");
    text += o.json() + "\n";
  }
  auto mapped = [&](unsigned threads, bool formatted) {
    engine::MappingSession session(defaultConfig(), rosterFrom(kDefaultRoster), engine::SessionOptions{""}, {});
    std::string copy = text;
    std::FILE* f = fmemopen(copy.data(), copy.size(), "r");
    std::uint64_t bundles = 0;
    fhir::readResources(f, "test-input", session, bundles, {threads});
    std::fclose(f);
    std::string out;
    std::size_t blocks = 0;
    if (formatted) {
      session.finish([](const engine::OutcomeRecord& r, std::string& t) { engine::appendNdjson(t, r); },
                     [&](std::string_view t) {
                       out += t;
                       ++blocks;
                     },
                     threads);
    } else {
      for (const engine::OutcomeRecord& r : session.finish())
        engine::appendNdjson(out, r);
    }
    EXPECT_EQ(session.counts().records_written, 6000u);
    return std::make_pair(out, blocks);
  };
  const auto [sequential, unused] = mapped(1, false);
  const auto [one, oneBlocks] = mapped(1, true);
  const auto [two, twoBlocks] = mapped(2, true);
  const auto [three, threeBlocks] = mapped(3, true);
  // 6,000 lines of about 500 bytes: more than one 256 KB batch, more than one 1 MB block.
  ASSERT_GT(sequential.size(), std::size_t{2} << 20);
  EXPECT_GT(oneBlocks, 1u);
  EXPECT_GT(twoBlocks, 1u);
  EXPECT_EQ(one, sequential);
  EXPECT_EQ(two, sequential);
  EXPECT_EQ(three, sequential);
}

}  // namespace
}  // namespace fa::test

// The quick look at NDJSON lines (adapter/fhir/line_triage.h) changes how fast lines of other
// codes and resource types are dropped, never what comes out: the same file mapped with and
// without it gives the same records, counts and rejections.
#include <gtest/gtest.h>

#include "engine/session_fixture.h"

namespace fa::test {
namespace {

Obs albumin(const char* id) {
  return Obs(id).analyte("ALB").effective("2026-01-29").value(qty("42", "g/L"));
}

TEST(QuickLook, SameRecordsCountsAndRejectionsWithAndWithoutIt) {
  const std::vector<std::string> lines = {
      albumin("on-roster").json(),                                         // 1: a record
      albumin("off-roster").subject("Patient/elsewhere").json(),           // 2: skipped
      Obs("glu").loinc("2345-7").value(qty("5", "mmol/L")).json() + "\r",  // 3: ignored (CRLF)
      R"({"resourceType": "Patient", "id": "p1"})",                        // 4: ignored
      // 5: the trial's code written with an escape is still the trial's code: a record.
      Obs("escaped")
          .codeRaw(R"({"coding": [{"system": "http://loinc.org", "code": "1751\u002d7"}]})")
          .effective("2026-01-29")
          .value(qty("40", "g/L"))
          .json(),
      // 6: an unmatched code with an invalid status: ignored, not checked.
      Obs("glu-bad").loinc("2345-7").status("nonsense").json(),
      // 7: invalid UTF-8 in an unmatched line (simdjson refuses, RapidJSON reads it): ignored.
      "{\"resourceType\": \"Observation\", \"id\": \"latin1\", \"note\": \"caf\xe9\"}",
      "{\"resourceType\": \"Observation\", \"id\": ",  // 8: rejected (broken JSON)
      albumin("bad-status").status("done").json(),     // 9: rejected
      // 10: a Bundle is opened by the full parse: its entry is a record.
      R"({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": )" + albumin("in-bundle").json() + "}]}",
  };
  std::string text;
  for (const std::string& line : lines)
    text += line + "\n";
  const RunResult quick = runInputs({text}, kDefaultRoster, defaultConfig(), "", true);
  const RunResult full = runInputs({text}, kDefaultRoster, defaultConfig(), "", false);

  // Worked by hand from the comments above: 10 lines, 10 resources (the Bundle's one entry in
  // place of the Bundle), records on-roster, escaped, in-bundle; off-roster skipped; glu, the
  // Patient, glu-bad and latin1 ignored; line 8 (broken JSON) and bad-status rejected.
  EXPECT_EQ(quick.counts.resources_read, 9u);  // line 8 never became a resource
  EXPECT_EQ(quick.counts.records_written, 3u);
  EXPECT_EQ(quick.counts.skipped_not_on_roster, 1u);
  EXPECT_EQ(quick.counts.ignored, 4u);
  EXPECT_EQ(quick.counts.rejected, 2u);
  EXPECT_NE(quick.find("escaped"), nullptr);

  EXPECT_EQ(ndjsonOf(quick), ndjsonOf(full));
  EXPECT_EQ(rejectionTexts(quick), rejectionTexts(full));
  EXPECT_EQ(quick.counts.resources_read, full.counts.resources_read);
  EXPECT_EQ(quick.counts.records_written, full.counts.records_written);
  EXPECT_EQ(quick.counts.skipped_not_on_roster, full.counts.skipped_not_on_roster);
  EXPECT_EQ(quick.counts.ignored, full.counts.ignored);
  EXPECT_EQ(quick.counts.rejected, full.counts.rejected);
}

}  // namespace
}  // namespace fa::test

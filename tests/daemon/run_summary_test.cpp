// The human summary at the end of `run --once` on a terminal (docs/contract.md "fhir-adapter
// run"), and the records filters of `records` (docs/contract.md "fhir-adapter records").
#include <gtest/gtest.h>

#include "daemon/metrics.h"
#include "daemon/records_output.h"
#include "daemon/run_summary.h"

namespace fa::daemon {
namespace {

TEST(RunSummary, CountsFromTheMetricsTheRecomputationPublished) {
  Metrics m;
  m.set("fhir_adapter_records", 300, {{"flag", "normal"}});
  m.set("fhir_adapter_records", 90, {{"flag", "high"}});
  m.set("fhir_adapter_records", 4, {{"flag", "retracted"}});
  m.set("fhir_adapter_rejected_resources", 2);
  m.set("fhir_adapter_skipped_not_on_roster", 12);
  sync::PassReport pass;
  pass.requests = 55;
  pass.observations_seen = 3224;
  pass.new_versions = 3700;
  pass.deletions = 1;
  pass.rescanned = true;
  const std::string text = formatRunSummary(summaryFromMetrics(m, pass, 12.34));
  // 300 + 0 + 90 + 0 + 4 = 394 records
  EXPECT_EQ(text,
            "fhir-adapter run --once: pass complete in 12.3 s\n"
            "  read:     55 requests, 3224 results seen, 3700 new versions, 1 deletion (with rescan)\n"
            "  records:  394 (300 normal, 0 low, 90 high, 0 indeterminate, 4 retracted)\n"
            "  rejected: 2 resources (see resource_rejected lines)\n"
            "  not on roster: 12 results\n");
}

TEST(RunSummary, HeldBackWithdrawalsAreSaid) {
  sync::PassReport pass;
  pass.withdrawal_blocked = true;
  pass.withdrawals_held = 7;
  const std::string text = formatRunSummary(summaryFromMetrics(Metrics{}, pass, 0.04));
  EXPECT_NE(text.find("pass complete in 0.0 s"), std::string::npos) << text;
  EXPECT_NE(text.find("withdrawals held back: 7"), std::string::npos) << text;
  EXPECT_NE(text.find("rejected: 0 resources"), std::string::npos) << text;  // no metric yet: zero
}

TEST(RecordQuery, EachFilterKeepsOnlyItsValues) {
  engine::OutcomeRecord r;
  r.subject_id = "S01";
  r.analyte = "BILI";
  r.visit = "W4";
  r.flag = core::Flag::High;
  RecordQuery all;
  EXPECT_FALSE(all.filtered());
  EXPECT_TRUE(all.matches(r));
  RecordQuery q;
  q.subjects = {"S02", "S01"};
  q.flags = {"high"};
  EXPECT_TRUE(q.matches(r));
  q.analytes = {"ALB"};
  EXPECT_FALSE(q.matches(r));
  RecordQuery withdrawn;
  withdrawn.flags = {"retracted"};
  EXPECT_FALSE(withdrawn.matches(r));
  r.flag.reset();  // a withdrawn record has no flag
  EXPECT_TRUE(withdrawn.matches(r));
}

}  // namespace
}  // namespace fa::daemon

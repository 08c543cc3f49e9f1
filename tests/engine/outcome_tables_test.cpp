// "Abnormal for the outcome counts" (docs/trial-rules.md): BILI high; ALB low; coagulation when any of
// PT high, INR high, APTT high, PTA low, FIBRINO low at that visit; immunoglobulin when any of
// IGG, IGA, IGM is outside its range; HBVDNA high. Counted on selected records only.
#include <gtest/gtest.h>

#include "engine/outcome_tables.h"
#include "support/default_config.h"

namespace fa::test {
namespace {

using core::Flag;

engine::TableRow row(const char* subject, const char* analyte, Flag flag, const char* visit = "W4", bool selected = true) {
  return {subject, analyte, visit, selected, flag};
}

std::pair<int, int> outcome(const engine::OutcomeTables& t, const std::string& labelStart, const std::string& visit) {
  for (const auto& [label, byVisit] : t.by_outcome) {
    if (label.rfind(labelStart, 0) == 0) {
      auto it = byVisit.find(visit);
      return it == byVisit.end() ? std::make_pair(0, 0) : it->second;
    }
  }
  ADD_FAILURE() << "no outcome " << labelStart;
  return {-1, -1};
}

TEST(OutcomeTables, BilirubinHighAlbuminLow) {
  auto t =
      engine::buildOutcomeTables({row("S1", "BILI", Flag::High), row("S2", "BILI", Flag::Low), row("S3", "BILI", Flag::Normal),
                                  row("S1", "ALB", Flag::High), row("S2", "ALB", Flag::Low)},
                                 *defaultConfig());
  EXPECT_EQ(t.by_analyte["BILI"]["W4"], std::make_pair(1, 3));  // low bilirubin is not abnormal here
  EXPECT_EQ(t.by_analyte["ALB"]["W4"], std::make_pair(1, 2));   // high albumin is not
  EXPECT_EQ(outcome(t, "Abnormal total bilirubin", "W4"), std::make_pair(1, 3));
  EXPECT_EQ(outcome(t, "Abnormal albumin", "W4"), std::make_pair(1, 2));
}

TEST(OutcomeTables, SupportingAnalytesAreNeverCounted) {
  // S1: CREA high and NA low, nothing else -> assessed for no outcome and no per-analyte row.
  // S2: BILI high with CREA high -> bilirubin 1/1; the CREA flag changes nothing.
  auto t = engine::buildOutcomeTables(
      {row("S1", "CREA", Flag::High), row("S1", "NA", Flag::Low), row("S2", "BILI", Flag::High), row("S2", "CREA", Flag::High)},
      *defaultConfig());
  EXPECT_EQ(t.by_analyte.count("CREA"), 0u);
  EXPECT_EQ(t.by_analyte.count("NA"), 0u);
  EXPECT_EQ(outcome(t, "Abnormal total bilirubin", "W4"), std::make_pair(1, 1));
  for (const auto& [label, byVisit] : t.by_outcome) {
    auto it = byVisit.find("W4");
    const int assessed = it == byVisit.end() ? 0 : it->second.second;
    const bool bilirubin = label.rfind("Abnormal total bilirubin", 0) == 0;
    EXPECT_EQ(assessed, bilirubin ? 1 : 0) << label;  // S1 is assessed nowhere, S2 for bilirubin only
  }
  const std::string text = engine::renderOutcomeTables(t, *defaultConfig());
  EXPECT_EQ(text.find("CREA"), std::string::npos);
  EXPECT_EQ(text.find("\nNA "), std::string::npos);
}

TEST(OutcomeTables, CoagulationAnyOfFive) {
  auto t = engine::buildOutcomeTables(
      {
          row("S1", "PT", Flag::High),  // abnormal
          row("S2", "PT", Flag::Low),
          row("S2", "PTA", Flag::High),  // neither counts
          row("S3", "INR", Flag::Normal),
          row("S3", "FIBRINO", Flag::Low),  // FIBRINO low
          row("S4", "APTT", Flag::High),
          row("S5", "PTA", Flag::Low),
          row("S6", "INR", Flag::High),
          row("S7", "FIBRINO", Flag::High),
      },
      *defaultConfig());
  EXPECT_EQ(outcome(t, "Abnormal coagulation", "W4"), std::make_pair(5, 7));  // S1, S3, S4, S5, S6
}

TEST(OutcomeTables, ImmunoglobulinEitherSide) {
  auto t = engine::buildOutcomeTables({row("S1", "IGG", Flag::High), row("S2", "IGA", Flag::Low), row("S3", "IGM", Flag::Normal)},
                                      *defaultConfig());
  EXPECT_EQ(outcome(t, "Abnormal immunoglobulin", "W4"), std::make_pair(2, 3));
}

TEST(OutcomeTables, HbvHighAndSelectedOnly) {
  auto t = engine::buildOutcomeTables({row("S1", "HBVDNA", Flag::High), row("S2", "HBVDNA", Flag::Normal),
                                       row("S3", "HBVDNA", Flag::High, "W4", false), row("S4", "HBVDNA", Flag::High, "W12")},
                                      *defaultConfig());
  EXPECT_EQ(outcome(t, "HBV DNA", "W4"), std::make_pair(1, 2));  // S3 not selected
  EXPECT_EQ(outcome(t, "HBV DNA", "W12"), std::make_pair(1, 1));
  EXPECT_EQ(t.visits.front(), "BASELINE");
  EXPECT_EQ(t.visits.back(), "W72");
}

}  // namespace
}  // namespace fa::test

// SDTM LB rows (docs/contract.md "fhir-adapter export"), checked field by field against records
// worked out by hand. Roster of the records: S01 first dose 2026-01-01 (so study day = day of
// the year in 2026), S02 without a first dose (no study days). Trial NCT05106972, UTC+8.
#include <gtest/gtest.h>

#include "export/export_records.h"
#include "export/free_text.h"
#include "export/lb_dataset.h"

namespace fa::test {
namespace {

using core::Comparator;
using core::Flag;
using exports::LbRow;

// 2026-01-01 is day 20454 since 1970-01-01 (56 years x 365 + 14 leap days 1972..2024).
constexpr std::int64_t kJan1Utc = 20454LL * 86400 * 1000000;
constexpr std::int64_t kMinute = 60LL * 1000000;

engine::OutcomeRecords workedRecords() {
  engine::OutcomeRecords out;
  // b1: 1.20 mg/dL x 17.1 = 20.52 umol/L > 20.5 high, grade 1; collected 00:30Z = 08:30 local.
  out.push_back(RecordBuilder("S01", "BILI", "b1")
                    .on("2026-01-01", 1, "BASELINE")
                    .value("20.52", "1.20", "mg/dL")
                    .range("3.4", "20.5")
                    .flag(Flag::High)
                    .grade(1)
                    .selected(true)
                    .collected(kJan1Utc + 30 * kMinute));
  // h1: "<20" IU/mL against the LLOQ 20: below it, normal; not graded.
  out.push_back(RecordBuilder("S01", "HBVDNA", "h1")
                    .on("2026-01-29", 29, "W4")
                    .value("20", "20", "IU/mL")
                    .comparator(Comparator::Less)
                    .range(nullptr, "20")
                    .flag(Flag::Normal)
                    .selected());
  // a1: data absent on day 50 (2026-02-19), between W4 (22-36) and W12 (78-92): unscheduled after visit 2.
  out.push_back(RecordBuilder("S01", "ALB", "a1")
                    .on("2026-02-19", 50, "UNSCHEDULED")
                    .range("40", "55")
                    .flag(Flag::Indeterminate)
                    .reason("data absent: not-performed"));
  // p1 preliminary and r1 retracted: not submission data.
  out.push_back(RecordBuilder("S01", "PT", "p1")
                    .on("2026-01-01", 1, "BASELINE")
                    .status("preliminary")
                    .value("12", "12", "s")
                    .range("11.0", "14.5")
                    .flag(Flag::Normal));
  out.push_back(RecordBuilder("S01", "BILI", "r1")
                    .on("2026-01-02", 2, "UNSCHEDULED")
                    .status("retracted")
                    .value("10", "10", "umol/L")
                    .range("3.4", "20.5")
                    .reason("withdrawn: entered-in-error"));
  // t1: free text of S02 (no first dose: no study day, unscheduled, no VISITNUM). Range 7.0-16.0
  // is written as numbers print, 7 and 16 (as the records do).
  out.push_back(RecordBuilder("S02", "IGG", "t1")
                    .on("2026-01-05", std::nullopt, "UNSCHEDULED")
                    .source("see note: J. called")
                    .range("7.0", "16.0")
                    .flag(Flag::Indeterminate)
                    .reason("text result not understood"));
  // n1: "Target Not Detected" at W12 (day 85 = 2026-03-26): no number, flag normal.
  out.push_back(RecordBuilder("S01", "HBVDNA", "n1")
                    .on("2026-03-26", 85, "W12")
                    .source("Target Not Detected")
                    .range(nullptr, "20")
                    .flag(Flag::Normal)
                    .selected());
  return out;
}

exports::LbDataset worked(bool include_free_text = false) {
  return exports::buildLbDataset(workedRecords(), *defaultConfig(), exports::ExportOptions{"", include_free_text});
}

LbRow row(std::initializer_list<const char*> cells) {
  LbRow out;
  std::size_t i = 0;
  for (const char* c : cells)
    out[i++] = c;
  EXPECT_EQ(i, exports::kLbVariableCount);
  return out;
}

void expectRow(const LbRow& actual, const LbRow& expected) {
  for (std::size_t i = 0; i < exports::kLbVariableCount; ++i)
    EXPECT_EQ(actual[i], expected[i]) << exports::lbVariables()[i].name << " of " << actual[exports::kLbspid];
}

TEST(LbDataset, OnlyUsableStatusesSortedBySubjectTestAndDate) {
  const auto d = worked();
  // S01: ALB a1, BILI b1, HBVDNA h1 (01-29) then n1 (03-26); S02: IGG t1. p1, r1 left out.
  ASSERT_EQ(d.rows.size(), 5u);
  std::vector<std::string> order;
  for (const LbRow& r : d.rows)
    order.push_back(r[exports::kLbspid] + " " + r[exports::kLbseq]);
  EXPECT_EQ(order,
            (std::vector<std::string>{"Observation/a1/_history/1 1", "Observation/b1/_history/1 2", "Observation/h1/_history/1 3",
                                      "Observation/n1/_history/1 4", "Observation/t1/_history/1 1"}));
}

TEST(LbDataset, QuantityWithTimeBaselineAndGrade) {
  // LBORNRLO/HI empty: mg/dL is not the standard unit (factor 17.1), the range is not recomputed.
  expectRow(worked().rows[1], row({"NCT05106972",
                                   "LB",
                                   "NCT05106972-S01",
                                   "2",
                                   "Observation/b1/_history/1",
                                   "BILI",
                                   "Bilirubin",
                                   "CHEMISTRY",
                                   "1.20",
                                   "mg/dL",
                                   "",
                                   "",
                                   "20.52",
                                   "20.52",
                                   "umol/L",
                                   "3.4",
                                   "20.5",
                                   "HIGH",
                                   "",
                                   "",
                                   "1975-2",
                                   "SERUM OR PLASMA",
                                   "Y",
                                   "1",
                                   "1",
                                   "BASELINE",
                                   "2026-01-01T08:30",
                                   "1"}));
}

TEST(LbDataset, ComparatorResultKeepsTextAndLeavesNumberEmpty) {
  // IU/mL is [IU]/mL spelt another way (factor 1): the original range equals the standard one.
  expectRow(worked().rows[2], row({"NCT05106972",
                                   "LB",
                                   "NCT05106972-S01",
                                   "3",
                                   "Observation/h1/_history/1",
                                   "HBVDNA",
                                   "Hepatitis B Virus DNA",
                                   "VIROLOGY",
                                   "<20",
                                   "IU/mL",
                                   "",
                                   "20",
                                   "<20",
                                   "",
                                   "[IU]/mL",
                                   "",
                                   "20",
                                   "NORMAL",
                                   "",
                                   "",
                                   "42595-9",
                                   "SERUM OR PLASMA",
                                   "",
                                   "",
                                   "2",
                                   "W4",
                                   "2026-01-29",
                                   "29"}));
}

TEST(LbDataset, NotDetectedIsAResultNotATestNotDone) {
  expectRow(worked().rows[3], row({"NCT05106972",
                                   "LB",
                                   "NCT05106972-S01",
                                   "4",
                                   "Observation/n1/_history/1",
                                   "HBVDNA",
                                   "Hepatitis B Virus DNA",
                                   "VIROLOGY",
                                   "Target Not Detected",
                                   "",
                                   "",
                                   "",
                                   "NOT DETECTED",
                                   "",
                                   "",
                                   "",
                                   "20",
                                   "NORMAL",
                                   "",
                                   "",
                                   "42595-9",
                                   "SERUM OR PLASMA",
                                   "",
                                   "",
                                   "3",
                                   "W12",
                                   "2026-03-26",
                                   "85"}));
}

TEST(LbDataset, NoValueIsNotDoneWithReasonAndUnscheduledNumberAfterVisitTwo) {
  expectRow(worked().rows[0], row({"NCT05106972",
                                   "LB",
                                   "NCT05106972-S01",
                                   "1",
                                   "Observation/a1/_history/1",
                                   "ALB",
                                   "Albumin",
                                   "CHEMISTRY",
                                   "",
                                   "",
                                   "",
                                   "",
                                   "",
                                   "",
                                   "",
                                   "40",
                                   "55",
                                   "",
                                   "NOT DONE",
                                   "data absent: not-performed",
                                   "1751-7",
                                   "SERUM OR PLASMA",
                                   "",
                                   "",
                                   "2.1",
                                   "UNSCHEDULED",
                                   "2026-02-19",
                                   "50"}));
}

TEST(LbDataset, FreeTextWithheldByDefaultReasonKept) {
  const auto d = worked();
  expectRow(d.rows[4], row({"NCT05106972",
                            "LB",
                            "NCT05106972-S02",
                            "1",
                            "Observation/t1/_history/1",
                            "IGG",
                            "Immunoglobulin G",
                            "IMMUNOLOGY",
                            "[free text withheld]",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "",
                            "7",
                            "16",
                            "",
                            "NOT DONE",
                            "text result not understood",
                            "2465-3",
                            "SERUM",
                            "",
                            "",
                            "",
                            "UNSCHEDULED",
                            "2026-01-05",
                            ""}));
  EXPECT_EQ(d.withheld_free_text, 1u);
  EXPECT_EQ(worked(true).rows[4][exports::kLborres], "see note: J. called");
  EXPECT_EQ(worked(true).withheld_free_text, 0u);
}

TEST(LbDataset, StudyIdOption) {
  const auto d = exports::buildLbDataset(workedRecords(), *defaultConfig(), exports::ExportOptions{"UCMSC-01", false});
  EXPECT_EQ(d.rows[0][exports::kStudyid], "UCMSC-01");
  EXPECT_EQ(d.rows[0][exports::kUsubjid], "UCMSC-01-S01");
}

TEST(LbDataset, FreeTextRecognition) {
  const auto& hbv = defaultAnalyte("HBVDNA");
  auto record = [](const char* source, bool has_value) {
    engine::OutcomeRecord r = RecordBuilder("S01", "HBVDNA", "x").source(source);
    if (has_value) r.value = dec("20");
    return r;
  };
  EXPECT_FALSE(exports::isFreeText(record("1.10", false), &hbv));                    // a number, unit not accepted
  EXPECT_FALSE(exports::isFreeText(record("<20 IU/mL", true), &hbv));                // read with an accepted unit
  EXPECT_FALSE(exports::isFreeText(record("  target not detected ", false), &hbv));  // the mappings' list, any case
  EXPECT_TRUE(exports::isFreeText(record("<20 copies per ml approx", false), &hbv));
  EXPECT_TRUE(exports::isFreeText(record("haemolysed, repeat", false), &hbv));
  EXPECT_FALSE(exports::isFreeText(RecordBuilder("S01", "HBVDNA", "y"), &hbv));  // no source value at all
}

TEST(LbDataset, CollectionDateTime) {
  engine::OutcomeRecord r = RecordBuilder("S01", "BILI", "b").on("2026-01-01", 1, "BASELINE");
  EXPECT_EQ(exports::collectionDateTime(r, core::TimeZone::fixedOffset(480)),
            "2026-01-01");                    // no instant (NDJSON input): the date
  r.collected = kJan1Utc - 8 * 60 * kMinute;  // 2025-12-31T16:00Z = 00:00 local: date-only source
  EXPECT_EQ(exports::collectionDateTime(r, core::TimeZone::fixedOffset(480)), "2026-01-01");
  r.collected = kJan1Utc + 30 * kMinute + 15 * 1000000;  // 00:30:15Z = 08:30:15 local
  EXPECT_EQ(exports::collectionDateTime(r, core::TimeZone::fixedOffset(480)), "2026-01-01T08:30:15");
  r.effective = "2026-01-02";
  r.collected = kJan1Utc + 17 * 60 * kMinute;  // 17:00Z = 01:00 the next day local
  EXPECT_EQ(exports::collectionDateTime(r, core::TimeZone::fixedOffset(480)), "2026-01-02T01:00");
  r.effective.reset();
  EXPECT_EQ(exports::collectionDateTime(r, core::TimeZone::fixedOffset(480)), "");  // partial date: no LBDTC
}

TEST(LbDataset, LongValuesCutAtCharacterBoundary) {
  // 199 ASCII bytes then a 3-byte character: 202 bytes, cut to 199 (never half a character).
  const std::string text = std::string(199, 'x') + "\xE2\x82\xAC";
  engine::OutcomeRecords records;
  records.push_back(RecordBuilder("S01", "ALB", "a").on("2026-01-01", 1, "BASELINE").source(text).flag(Flag::Indeterminate));
  const auto d = exports::buildLbDataset(records, *defaultConfig(), exports::ExportOptions{"", true});
  EXPECT_EQ(d.rows[0][exports::kLborres], std::string(199, 'x'));
  EXPECT_EQ(d.truncated_values, 1u);
}

TEST(LbDataset, CsvHeaderIsTheContractColumns) {
  const std::string csv = exports::lbCsv(worked());
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "STUDYID,DOMAIN,USUBJID,LBSEQ,LBSPID,LBTESTCD,LBTEST,LBCAT,LBORRES,LBORRESU,LBORNRLO,LBORNRHI,LBSTRESC,LBSTRESN,"
            "LBSTRESU,LBSTNRLO,LBSTNRHI,LBNRIND,LBSTAT,LBREASND,LBLOINC,LBSPEC,LBLOBXFL,LBTOXGR,VISITNUM,VISIT,LBDTC,LBDY");
  // 1 header + 5 rows; the reason with a colon needs no quotes, the withheld text neither.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 6);
}

TEST(LbDataset, VariablesFileTypesLengthsAndCodelists) {
  const std::string csv = exports::lbVariablesCsv(worked());
  // LBSPID: "Observation/a1/_history/1" is 25 bytes; LBREASND "data absent: not-performed" 26.
  EXPECT_NE(csv.find("LBSPID,Sponsor-Defined Identifier,Char,25,Collected,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("LBREASND,Reason Test Not Done,Char,26,Derived,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("LBSTRESN,Numeric Result/Finding in Standard Units,Num,8,Derived,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("LBNRIND,Reference Range Indicator,Char,6,Derived,NRIND\n"), std::string::npos) << csv;  // NORMAL
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "variable,label,type,length,origin,codelist");
  for (const auto& v : exports::lbVariables()) {
    EXPECT_LE(v.name.size(), 8u) << v.name;
    EXPECT_LE(v.label.size(), 40u) << v.name;
  }
}

}  // namespace
}  // namespace fa::test

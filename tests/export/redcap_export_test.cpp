// REDCap files (docs/contract.md "fhir-adapter export"): the data file field by field against
// hand-worked records, and REDCap's rules: field and form names, validation types, every data
// column defined in the dictionary, every event in the event file.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "export/export_records.h"
#include "export/redcap_export.h"

namespace fa::test {
namespace {

using core::Comparator;
using core::Flag;

// Splits RFC 4180 CSV text into rows of fields (quoted fields may hold commas).
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        field += text[++i];
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the last newline
  return rows;
}

engine::OutcomeRecords workedRecords() {
  engine::OutcomeRecords out;
  // S01 BASELINE: BILI 20.52 high grade 1 (selected baseline); an unselected second BILI the same visit.
  out.push_back(RecordBuilder("S01", "BILI", "b1")
                    .on("2026-01-01", 1, "BASELINE")
                    .value("20.52", "1.20", "mg/dL")
                    .range("3.4", "20.5")
                    .flag(Flag::High)
                    .grade(1)
                    .selected(true));
  out.push_back(RecordBuilder("S01", "BILI", "b0")
                    .on("2025-12-20", -12, "BASELINE")
                    .value("30", "30", "umol/L")
                    .range("3.4", "20.5")
                    .flag(Flag::High)
                    .grade(2));
  // S01 W4: the viral load sent twice at the same time, 1000 IU/mL and 3 log IU/mL (10^3 = 1000):
  // the engine selects one (h2); the data file has one HBV DNA result for W4.
  out.push_back(RecordBuilder("S01", "HBVDNA", "h1")
                    .on("2026-01-29", 29, "W4")
                    .value("1000", "3", "log IU/mL")
                    .range(nullptr, "20")
                    .flag(Flag::High));
  out.push_back(RecordBuilder("S01", "HBVDNA", "h2")
                    .on("2026-01-29", 29, "W4")
                    .value("1000", "1000", "IU/mL")
                    .range(nullptr, "20")
                    .flag(Flag::High)
                    .selected());
  // S01 W4 ALB 38 low, grade 1 (<LLN 40, >= 30).
  out.push_back(RecordBuilder("S01", "ALB", "a1")
                    .on("2026-01-30", 30, "W4")
                    .value("38", "3.8", "g/dL")
                    .range("40", "55")
                    .flag(Flag::Low)
                    .grade(1)
                    .selected());
  // S02 W12: HBV DNA "<20": flag normal, no number written (a bound is not a value).
  out.push_back(RecordBuilder("S02", "HBVDNA", "h3")
                    .on("2026-03-26", 85, "W12")
                    .value("20", "20", "IU/mL")
                    .comparator(Comparator::Less)
                    .range(nullptr, "20")
                    .flag(Flag::Normal)
                    .selected());
  // Unscheduled, not selected: no row.
  out.push_back(RecordBuilder("S02", "ALB", "a2").on("2026-02-19", 50, "UNSCHEDULED").value("45", "45", "g/L"));
  return out;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  EXPECT_NE(it, header.end()) << name;
  return static_cast<std::size_t>(it - header.begin());
}

TEST(Redcap, DataRowsOnePerSubjectAndVisitWithSelectedRecords) {
  const auto rows = parseCsv(exports::buildRedcap(workedRecords(), *defaultConfig()).data);
  const auto& h = rows[0];
  // record_id, redcap_event_name, 11 analytes x 4 fields, laboratory_results_complete.
  ASSERT_EQ(h.size(), 2u + 4u * defaultConfig()->analytes.size() + 1u);
  EXPECT_EQ(h[0], "record_id");
  EXPECT_EQ(h[1], "redcap_event_name");
  EXPECT_EQ(h[2], "bili_value");
  EXPECT_EQ(h[3], "bili_flag");
  EXPECT_EQ(h[4], "bili_date");
  EXPECT_EQ(h[5], "bili_grade");
  EXPECT_EQ(h.back(), "laboratory_results_complete");
  ASSERT_EQ(rows.size(), 4u);  // header + S01 baseline, S01 w4, S02 w12
  EXPECT_EQ(rows[1][0], "S01");
  EXPECT_EQ(rows[1][1], "baseline_arm_1");
  EXPECT_EQ(rows[1][column(h, "bili_value")], "20.52");  // b1, not the unselected b0 (30)
  EXPECT_EQ(rows[1][column(h, "bili_flag")], "high");
  EXPECT_EQ(rows[1][column(h, "bili_date")], "2026-01-01");
  EXPECT_EQ(rows[1][column(h, "bili_grade")], "1");
  EXPECT_EQ(rows[1][column(h, "alb_value")], "");
  EXPECT_EQ(rows[1].back(), "1");  // unverified
  EXPECT_EQ(rows[2][1], "w4_arm_1");
  EXPECT_EQ(rows[2][column(h, "hbvdna_value")], "1000");
  EXPECT_EQ(rows[2][column(h, "hbvdna_flag")], "high");
  EXPECT_EQ(rows[2][column(h, "hbvdna_grade")], "");
  EXPECT_EQ(rows[2][column(h, "alb_value")], "38");
  EXPECT_EQ(rows[2][column(h, "alb_flag")], "low");
  EXPECT_EQ(rows[2][column(h, "alb_date")], "2026-01-30");
  EXPECT_EQ(rows[3][0], "S02");
  EXPECT_EQ(rows[3][1], "w12_arm_1");
  EXPECT_EQ(rows[3][column(h, "hbvdna_value")], "");  // "<20": the bound is not the value
  EXPECT_EQ(rows[3][column(h, "hbvdna_flag")], "normal");
  EXPECT_EQ(rows[3][column(h, "hbvdna_date")], "2026-03-26");
  for (const auto& r : rows)
    EXPECT_EQ(r.size(), h.size());
}

TEST(Redcap, DictionaryFollowsRedcapRules) {
  const auto files = exports::buildRedcap(workedRecords(), *defaultConfig());
  EXPECT_EQ(files.dictionary.substr(0, files.dictionary.find('\n')), exports::redcapDictionaryHeader());
  const auto dict = parseCsv(files.dictionary);
  ASSERT_EQ(dict[0].size(), 18u);
  const std::regex name("^[a-z][a-z0-9_]*$");
  const std::set<std::string> validations = {"", "date_ymd", "integer", "number", "number_4dp"};
  const std::set<std::string> types = {"text", "dropdown"};
  std::set<std::string> fields, forms;
  for (std::size_t i = 1; i < dict.size(); ++i) {
    ASSERT_EQ(dict[i].size(), 18u) << i;
    EXPECT_TRUE(std::regex_match(dict[i][0], name)) << dict[i][0];
    EXPECT_TRUE(std::regex_match(dict[i][1], name)) << dict[i][1];
    EXPECT_TRUE(types.count(dict[i][3])) << dict[i][3];
    EXPECT_TRUE(validations.count(dict[i][7])) << dict[i][7];
    if (dict[i][0].ends_with("_date")) {
      EXPECT_EQ(dict[i][7], "date_ymd");
    }
    if (dict[i][0].ends_with("_value")) {
      EXPECT_EQ(dict[i][7], "number");
    }
    if (dict[i][3] == "dropdown") {
      EXPECT_EQ(dict[i][5], "normal, Normal | low, Low | high, High");
    }
    EXPECT_TRUE(fields.insert(dict[i][0]).second) << "defined twice: " << dict[i][0];
    forms.insert(dict[i][1]);
  }
  EXPECT_EQ(dict[1][0], "record_id");  // the record id comes first
  // Every data column is a dictionary field, or a column REDCap makes itself.
  const auto data = parseCsv(files.data);
  for (const std::string& c : data[0]) {
    const bool system = c == "redcap_event_name" || (c.ends_with("_complete") && forms.count(c.substr(0, c.size() - 9)));
    EXPECT_TRUE(fields.count(c) || system) << c << " is not in the dictionary";
  }
  // Every event of the data file is in the event file, with a form of the dictionary.
  const auto events = parseCsv(files.events);
  EXPECT_EQ(events[0], (std::vector<std::string>{"arm_num", "unique_event_name", "form"}));
  std::set<std::string> eventNames;
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i][0], "1");
    EXPECT_TRUE(forms.count(events[i][2]));
    eventNames.insert(events[i][1]);
  }
  EXPECT_EQ(eventNames.size(), defaultConfig()->visits.windows().size());
  for (std::size_t i = 1; i < data.size(); ++i)
    EXPECT_TRUE(eventNames.count(data[i][1])) << data[i][1];
}

TEST(Redcap, EventAndFieldNames) {
  EXPECT_EQ(exports::redcapEventName("BASELINE"), "baseline_arm_1");
  EXPECT_EQ(exports::redcapEventName("W72"), "w72_arm_1");
  EXPECT_EQ(exports::redcapEventName("Week 4 (+-7)"), "week_4_7_arm_1");
  EXPECT_EQ(exports::redcapFieldPrefix("FIBRINO"), "fibrino");
  EXPECT_EQ(exports::redcapFieldPrefix("_X-1"), "x1");
}

}  // namespace
}  // namespace fa::test

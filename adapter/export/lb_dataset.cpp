#include "export/lb_dataset.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "core/civil_time.h"
#include "export/csv_text.h"
#include "export/free_text.h"
#include "export/visit_numbers.h"
#include "export/xpt_writer.h"

namespace fa::exports {
namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

bool isSubmissionStatus(const std::string& status) {
  return status == "final" || status == "amended" || status == "corrected";
}

std::string text(const std::optional<core::Decimal>& d) {
  return d ? d->toString() : std::string();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// The analyte's SDTM labels with the defaults of absent keys: LBTESTCD the analyte code (at most
// 8 characters), LBTEST its name (at most 40), LBLOINC its LOINC code when it has exactly one.
struct TestLabels {
  std::string testcd, test, category, specimen, loinc;
};

TestLabels labelsFor(const mapping::TrialConfig& trial, std::size_t index) {
  const mapping::AnalyteDefinition& a = trial.analytes[index];
  const mapping::SdtmLabels given = a.sdtm.value_or(mapping::SdtmLabels{});
  TestLabels out{given.testcd, given.test, given.category, given.specimen, given.loinc};
  if (out.testcd.empty()) out.testcd = a.code.substr(0, 8);
  if (out.test.empty()) out.test = a.name.substr(0, 40);
  if (out.loinc.empty()) {
    std::vector<std::string> loinc;
    const std::vector<std::vector<std::string>> codings =
        trial.codingsByAnalyte();  // kept: a range-for over a temporary's element dangles
    for (const std::string& key : codings[index])
      if (key.rfind("http://loinc.org|", 0) == 0) loinc.push_back(key.substr(17));
    if (loinc.size() == 1) out.loinc = loinc.front();
  }
  return out;
}

// LBORRES: the result as collected; a quantity's comparator goes in front of its number.
std::string originalResult(const engine::OutcomeRecord& r) {
  if (!r.source_value) return "";
  const bool plainNumber = core::Decimal::parse(*r.source_value).has_value();
  if (plainNumber && r.comparator != core::Comparator::None) return std::string(core::toString(r.comparator)) + *r.source_value;
  return *r.source_value;
}

// The range in original units is known only when the original unit is the standard one in
// another spelling (factor 1, no logarithm); otherwise it is left empty rather than recomputed.
bool originalUnitIsStandard(const engine::OutcomeRecord& r, const mapping::AnalyteDefinition* a) {
  if (!r.source_unit || !a) return false;
  auto conversion = a->units.findSpelling(*r.source_unit);
  return conversion && !conversion->log10 && !conversion->divide_by && conversion->multiply_by == core::Decimal::fromInt(1);
}

void fillResults(LbRow& row, const engine::OutcomeRecord& r, const mapping::AnalyteDefinition* a) {
  row[kLborresu] = r.source_value ? r.source_unit.value_or("") : "";
  if (originalUnitIsStandard(r, a)) {
    row[kLbornrlo] = text(r.range.low);
    row[kLbornrhi] = text(r.range.high);
  }
  if (r.value) {
    row[kLbstresc] = std::string(core::toString(r.comparator)) + r.value->toString();
    if (r.comparator == core::Comparator::None) row[kLbstresn] = r.value->toString();
    row[kLbstresu] = r.unit;
  } else if (isQualitativeResult(r)) {
    row[kLbstresc] = "NOT DETECTED";
  } else {
    row[kLbstat] = "NOT DONE";
    row[kLbreasnd] = r.reason.value_or("");
  }
  row[kLbstnrlo] = text(r.range.low);
  row[kLbstnrhi] = text(r.range.high);
  if (r.flag && *r.flag != core::Flag::Indeterminate) row[kLbnrind] = upper(core::toString(*r.flag));
  if (r.ctcae_grade) row[kLbtoxgr] = std::to_string(*r.ctcae_grade);
}

// Cuts a value to `limit` bytes without splitting a UTF-8 sequence.
bool cutToLimit(std::string& s, std::size_t limit) {
  if (s.size() <= limit) return false;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  s.resize(end);
  return true;
}

struct RowContext {
  const mapping::TrialConfig& trial;
  const ExportOptions& options;
  const std::string& study_id;
  std::vector<TestLabels> labels;  // per analyte index
};

LbRow rowFor(const engine::OutcomeRecord& r, const RowContext& c, LbDataset& dataset) {
  LbRow row;
  const auto index = c.trial.analyteIndex(r.analyte);
  const mapping::AnalyteDefinition* analyte = index ? &c.trial.analytes[*index] : nullptr;
  const TestLabels fallback{r.analyte.substr(0, 8), r.analyte, "", "", ""};
  const TestLabels& labels = index ? c.labels[*index] : fallback;
  row[kStudyid] = c.study_id;
  row[kDomain] = "LB";
  row[kUsubjid] = c.study_id + "-" + r.subject_id;
  row[kLbspid] = r.observation;
  row[kLbtestcd] = labels.testcd;
  row[kLbtest] = labels.test;
  row[kLbcat] = labels.category;
  row[kLborres] = originalResult(r);
  if (!c.options.include_free_text && isFreeText(r, analyte)) {
    row[kLborres] = kWithheldText;
    ++dataset.withheld_free_text;
  }
  fillResults(row, r, analyte);
  row[kLbloinc] = labels.loinc;
  row[kLbspec] = labels.specimen;
  row[kLblobxfl] = r.baseline ? "Y" : "";
  row[kVisit] = r.visit;
  row[kLbdtc] = collectionDateTime(r, c.trial.time_zone);
  if (r.study_day) row[kLbdy] = std::to_string(*r.study_day);
  for (std::string& cell : row)
    if (cutToLimit(cell, kMaxCharBytes)) ++dataset.truncated_values;
  return row;
}

void sortAndNumber(std::vector<LbRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const LbRow& a, const LbRow& b) {
    return std::tie(a[kUsubjid], a[kLbtestcd], a[kLbdtc], a[kLbspid]) <
           std::tie(b[kUsubjid], b[kLbtestcd], b[kLbdtc], b[kLbspid]);
  });
  int seq = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    seq = (i > 0 && rows[i][kUsubjid] == rows[i - 1][kUsubjid]) ? seq + 1 : 1;
    rows[i][kLbseq] = std::to_string(seq);
  }
}

}  // namespace

std::string collectionDateTime(const engine::OutcomeRecord& record, const core::TimeZone& site_zone) {
  if (!record.effective || !record.collected) return record.effective.value_or("");
  // The zone's offset at that instant (daylight saving included), floored to whole seconds.
  std::int64_t utc_seconds = *record.collected / 1'000'000;
  if (*record.collected % 1'000'000 < 0) --utc_seconds;
  const std::int64_t local = *record.collected + std::int64_t{site_zone.offsetSecondsAt(utc_seconds)} * 1'000'000;
  std::int64_t day = local / kMicrosPerDay;
  if (local % kMicrosPerDay < 0) --day;
  const std::int64_t seconds = (local - day * kMicrosPerDay) / 1'000'000;
  if (local - day * kMicrosPerDay == 0) return *record.effective;
  char time[16];
  if (seconds % 60 == 0)
    std::snprintf(time, sizeof time, "T%02d:%02d", static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60));
  else
    std::snprintf(time, sizeof time, "T%02d:%02d:%02d", static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60));
  return core::formatIsoDate(static_cast<core::DayNumber>(day)) + time;
}

LbDataset buildLbDataset(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial, const ExportOptions& options) {
  const std::string study_id = options.study_id.empty() ? trial.trial_id : options.study_id;
  RowContext context{trial, options, study_id, {}};
  for (std::size_t i = 0; i < trial.analytes.size(); ++i)
    context.labels.push_back(labelsFor(trial, i));
  std::vector<const engine::OutcomeRecord*> exported;
  for (const engine::OutcomeRecord& r : records)
    if (isSubmissionStatus(r.status)) exported.push_back(&r);
  const std::vector<std::string> visitnums = visitNumbers(exported, trial.visits);
  LbDataset dataset;
  for (std::size_t i = 0; i < exported.size(); ++i) {
    dataset.rows.push_back(rowFor(*exported[i], context, dataset));
    dataset.rows.back()[kVisitnum] = visitnums[i];
  }
  sortAndNumber(dataset.rows);
  return dataset;
}

std::string lbCsv(const LbDataset& dataset) {
  std::vector<std::string> header;
  for (const LbVariable& v : lbVariables())
    header.push_back(v.name);
  std::string out = csvLine(header);
  for (const LbRow& row : dataset.rows)
    out += csvLine(std::vector<std::string>(row.begin(), row.end()));
  return out;
}

std::size_t lbVariableLength(const LbDataset& dataset, std::size_t column) {
  if (lbVariables()[column].numeric) return 8;
  std::size_t longest = 1;
  for (const LbRow& row : dataset.rows)
    longest = std::max(longest, row[column].size());
  return longest;
}

std::string lbVariablesCsv(const LbDataset& dataset) {
  std::string out = csvLine({"variable", "label", "type", "length", "origin", "codelist"});
  for (std::size_t i = 0; i < kLbVariableCount; ++i) {
    const LbVariable& v = lbVariables()[i];
    out += csvLine(
        {v.name, v.label, v.numeric ? "Num" : "Char", std::to_string(lbVariableLength(dataset, i)), v.origin, v.codelist});
  }
  return out;
}

std::string lbXpt(const LbDataset& dataset, const std::string& created) {
  XptDataset xpt{"LB", "Laboratory Test Results", {}};
  for (std::size_t i = 0; i < kLbVariableCount; ++i) {
    const LbVariable& v = lbVariables()[i];
    xpt.variables.push_back({v.name, v.label, v.numeric, lbVariableLength(dataset, i)});
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(dataset.rows.size());
  for (const LbRow& row : dataset.rows)
    rows.emplace_back(row.begin(), row.end());
  return writeXpt(xpt, rows, created);
}

}  // namespace fa::exports

#include "record_source/record_source.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "engine/version_resolution.h"
#include "record_source/record_lines.h"
#include "store/observation_store.h"

namespace fa::record_source {
namespace {

constexpr std::string_view kFieldLabel = "field";

// The keys the readers order and group by, which printed records do not carry: the resource
// id (from "Observation/{id}/_history/{v}"), the usable-status rule, and indexes (analytes in
// the mappings' order; subjects in id order, as the roster is not read here).
void completeRecords(RecordSet& set, const mapping::TrialConfig& trial) {
  std::map<std::string, std::size_t> subjects;
  for (const engine::OutcomeRecord& r : set.records)
    subjects.emplace(r.subject_id, 0);
  std::size_t next = 0;
  for (auto& [id, index] : subjects)
    index = next++;
  for (engine::OutcomeRecord& r : set.records) {
    std::string_view ref = r.observation;
    if (ref.rfind("Observation/", 0) == 0) ref.remove_prefix(12);
    r.resource_id = std::string(ref.substr(0, ref.find('/')));
    r.usable_status = engine::isUsableStatus(r.status);
    r.analyte_index = trial.analyteIndex(r.analyte).value_or(trial.analytes.size());
    r.subject_index = subjects[r.subject_id];
  }
  std::stable_sort(set.records.begin(), set.records.end(), engine::outputOrder);
}

void addRecord(RecordSet& set, const std::optional<store::RecordValues>& values, std::size_t line, const std::string& label,
               std::string& problem) {
  if (values) {
    try {
      set.records.push_back(store::fromValues(*values, kFieldLabel));
      return;
    } catch (const store::StoreError& e) {
      problem = e.what();
    }
  }
  set.problems.push_back(label + " line " + std::to_string(line) + ": " + problem);
}

void readNdjson(RecordSet& set, std::string_view text, const std::string& label) {
  std::size_t start = 0;
  std::size_t line = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view row(text.data() + start, end - start);
    start = end + 1;
    if (row.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::string problem;
    addRecord(set, ndjsonRecordValues(row, problem), line, label, problem);
  }
}

void readCsv(RecordSet& set, std::string_view text, const std::string& label) {
  std::vector<std::size_t> lines;
  auto rows = splitCsv(text, lines);
  if (rows.empty()) return;
  std::vector<std::string> header;
  for (const auto& cell : rows.front())
    header.push_back(cell.value_or(""));
  std::string problem;
  auto columns = CsvColumns::fromHeader(header, problem);
  if (!columns) {
    set.problems.push_back(label + " line 1: " + problem);
    return;
  }
  for (std::size_t i = 1; i < rows.size(); ++i) {
    problem.clear();
    addRecord(set, columns->values(rows[i], problem), lines[i], label, problem);
  }
}

bool looksLikeCsv(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string::npos && text.substr(start).rfind("subject_id,", 0) == 0;
}

}  // namespace

RecordSet readRecordsText(const std::string& text, const std::string& label, const mapping::TrialConfig& trial) {
  RecordSet set;
  set.origin = label;
  std::string_view body = text;
  if (body.rfind("\xEF\xBB\xBF", 0) == 0) body.remove_prefix(3);  // the byte order mark of `records --excel`
  if (looksLikeCsv(body))
    readCsv(set, body, label);
  else
    readNdjson(set, body, label);
  completeRecords(set, trial);
  return set;
}

RecordSet readRecordsFile(const std::string& path_or_dash, const mapping::TrialConfig& trial) {
  const bool standard_input = path_or_dash == "-";
  const std::string label = standard_input ? "standard input" : path_or_dash;
  std::FILE* file = standard_input ? stdin : std::fopen(path_or_dash.c_str(), "rb");
  if (!file) {
    RecordSet set;
    set.origin = label;
    set.problems.push_back(label + ": cannot be read: " + std::strerror(errno));
    return set;
  }
  std::string text;
  char buffer[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  if (!standard_input) std::fclose(file);
  RecordSet set = readRecordsText(text, label, trial);
  if (failed) set.problems.push_back(label + ": read error (is it a directory?)");
  return set;
}

RecordSet readStore(const std::filesystem::path& path, const mapping::TrialConfig& trial) {
  store::ObservationStore store(path.string(), store::SqliteDb::Mode::ReadOnly);
  RecordSet set;
  set.origin = "store " + path.string();
  store.forEachRecord([&](const engine::OutcomeRecord& r) { set.records.push_back(r); });
  set.data_cut = store.lastSyncTime();
  set.mappings_hash = store.meta("mappings_hash").value_or("");
  completeRecords(set, trial);
  return set;
}

}  // namespace fa::record_source

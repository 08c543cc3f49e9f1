#include "export/redcap_export.h"

#include <map>
#include <vector>

#include "export/csv_text.h"

namespace fa::exports {
namespace {

// "Complete?" of each imported form: 1 = Unverified. The values come from the laboratory system
// and nobody at the site has checked them in REDCap yet; a data manager sets 2 after review.
constexpr const char* kFormUnverified = "1";

std::string nameCharacters(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z')
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
      out.push_back(c);
    else if (c == ' ')
      out.push_back('_');
  }
  return out;
}

// One dictionary row: the 18 columns, most empty.
struct Field {
  std::string name, section, type, label, choices, note, validation, min, max, identifier;
};

std::string dictionaryLine(const Field& f) {
  return csvLine({f.name, kRedcapForm, f.section, f.type, f.label, f.choices, f.note, f.validation, f.min, f.max, f.identifier,
                  "", "", "", "", "", "", ""});
}

std::vector<Field> analyteFields(const mapping::AnalyteDefinition& a) {
  const std::string p = redcapFieldPrefix(a.code);
  const std::string graded = a.ctcae ? "CTCAE v5.0: " + a.ctcae->term : "no CTCAE criterion: always empty";
  return {
      {p + "_value", a.name, "text", a.name + ": result (" + a.standard_unit + ")", "",
       "standardised; empty when the result is only a bound (<, >) or has no number", "number", "", "", ""},
      {p + "_flag", "", "dropdown", a.name + ": flag", "normal, Normal | low, Low | high, High",
       "against the reference range used", "", "", "", ""},
      {p + "_date", "", "text", a.name + ": collection date", "", "site time zone", "date_ymd", "", "", "y"},
      {p + "_grade", "", "text", a.name + ": toxicity grade", "", graded, "integer", "0", "4", ""},
  };
}

std::string dictionary(const mapping::TrialConfig& trial) {
  std::string out = std::string(redcapDictionaryHeader()) + "\n";
  out += dictionaryLine({"record_id", "", "text", "Subject ID", "", "pseudonymous trial subject id", "", "", "", ""});
  for (const mapping::AnalyteDefinition& a : trial.analytes)
    for (const Field& f : analyteFields(a))
      out += dictionaryLine(f);
  return out;  // no `{form}_complete` row: REDCap adds that field to every instrument itself
}

std::string events(const mapping::TrialConfig& trial) {
  std::string out = "arm_num,unique_event_name,form\n";
  for (const core::VisitWindow& w : trial.visits.windows())
    out += csvLine({"1", redcapEventName(w.name), kRedcapForm});
  return out;
}

std::vector<std::string> dataHeader(const mapping::TrialConfig& trial) {
  std::vector<std::string> header = {"record_id", "redcap_event_name"};
  for (const mapping::AnalyteDefinition& a : trial.analytes)
    for (const char* suffix : {"_value", "_flag", "_date", "_grade"})
      header.push_back(redcapFieldPrefix(a.code) + suffix);
  header.push_back(std::string(kRedcapForm) + "_complete");
  return header;
}

void fillAnalyte(std::vector<std::string>& row, std::size_t first, const engine::OutcomeRecord& r) {
  if (r.value && r.comparator == core::Comparator::None) row[first] = r.value->toString();
  if (r.flag && *r.flag != core::Flag::Indeterminate) row[first + 1] = std::string(core::toString(*r.flag));
  row[first + 2] = r.effective.value_or("");
  if (r.ctcae_grade) row[first + 3] = std::to_string(*r.ctcae_grade);
}

std::string data(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial) {
  // subject -> visit -> analyte index -> the selected record (the first, should a file hold two).
  std::map<std::string, std::map<std::string, std::map<std::size_t, const engine::OutcomeRecord*>>> selected;
  for (const engine::OutcomeRecord& r : records) {
    auto index = trial.analyteIndex(r.analyte);
    if (r.selected && index) selected[r.subject_id][r.visit].emplace(*index, &r);
  }
  const std::vector<std::string> header = dataHeader(trial);
  std::string out = csvLine(header);
  for (const auto& [subject, visits] : selected) {
    for (const core::VisitWindow& w : trial.visits.windows()) {
      auto visit = visits.find(w.name);
      if (visit == visits.end()) continue;
      std::vector<std::string> row(header.size());
      row[0] = subject;
      row[1] = redcapEventName(w.name);
      for (const auto& [index, record] : visit->second)
        fillAnalyte(row, 2 + 4 * index, *record);
      row.back() = kFormUnverified;
      out += csvLine(row);
    }
  }
  return out;
}

}  // namespace

const char* redcapDictionaryHeader() {
  return "Variable / Field Name,Form Name,Section Header,Field Type,Field Label,\"Choices, Calculations, OR Slider "
         "Labels\",Field Note,Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,Identifier?,"
         "Branching Logic (Show field only if...),Required Field?,Custom Alignment,Question Number (surveys only),Matrix "
         "Group Name,Matrix Ranking?,Field Annotation";
}

std::string redcapEventName(const std::string& visit) {
  return nameCharacters(visit) + "_arm_1";
}

std::string redcapFieldPrefix(const std::string& analyte_code) {
  std::string out;
  for (char c : nameCharacters(analyte_code))
    if (c != '_' || !out.empty()) out.push_back(c);
  return out;
}

RedcapFiles buildRedcap(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial) {
  return {data(records, trial), dictionary(trial), events(trial)};
}

}  // namespace fa::exports

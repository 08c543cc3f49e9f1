#include "mapping/roster.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace fa::mapping {
namespace {

// RFC 4180 fields of one record; quotes may hold commas and doubled quotes.
std::optional<std::vector<std::string>> splitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (quoted) return std::nullopt;
  for (auto& f : fields) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t'))
      f.pop_back();
    size_t start = f.find_first_not_of(" \t");
    f = start == std::string::npos ? std::string() : f.substr(start);
  }
  return fields;
}

// "Patient/123" or ".../Patient/123/_history/4" -> "123"
std::optional<std::string_view> patientIdFromPath(std::string_view path) {
  if (auto h = path.find("/_history/"); h != std::string_view::npos) path = path.substr(0, h);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view type = path.substr(0, slash);
  if (auto prev = type.rfind('/'); prev != std::string_view::npos) type = type.substr(prev + 1);
  if (type != "Patient") return std::nullopt;
  std::string_view id = path.substr(slash + 1);
  if (id.empty()) return std::nullopt;
  return id;
}

bool isAbsolute(std::string_view reference) {
  return reference.rfind("http://", 0) == 0 || reference.rfind("https://", 0) == 0 || reference.rfind("urn:", 0) == 0;
}

// Where the required columns (and the optional sex column) are in the header.
struct RosterColumns {
  size_t subject = 0, patient = 0, dose1 = 0, dose2 = 0;
  std::optional<size_t> sex;
};

RosterColumns findColumns(const std::vector<std::string>& header, const std::string& where) {
  auto find = [&](const char* name) -> std::optional<size_t> {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) return std::nullopt;
    return static_cast<size_t>(it - header.begin());
  };
  auto subject = find("subject_id"), patient = find("patient"), dose1 = find("dose1_date"), dose2 = find("dose2_date");
  if (!subject || !patient || !dose1 || !dose2) {
    throw ConfigError({where + "header must name subject_id,patient,dose1_date,dose2_date"});
  }
  return RosterColumns{*subject, *patient, *dose1, *dose2, find("sex")};
}

// Where a problem is: "subjects.csv: line 3 column 2 (patient): ". Messages name the line and
// column, never the cell's value: a roster mistake (a name in the date column) must not copy
// PHI into a log line or an error message.
std::string cell(const std::string& line, size_t column, const char* name) {
  return line + " column " + std::to_string(column + 1) + " (" + name + "): ";
}

// An empty cell is no date; a malformed one is a problem.
std::optional<core::DayNumber> parseDose(const std::string& v, const std::string& where, std::vector<std::string>& problems) {
  if (v.empty()) return std::nullopt;
  auto d = core::parseIsoDate(v);
  if (!d) problems.push_back(where + "not a date YYYY-MM-DD");
  return d;
}

// Lower case, with m/f spelled out; empty means not given.
std::optional<std::string> parseSex(std::string sex, const std::string& where, std::vector<std::string>& problems) {
  std::transform(sex.begin(), sex.end(), sex.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (sex == "m") sex = "male";
  if (sex == "f") sex = "female";
  if (!sex.empty() && sex != "male" && sex != "female" && sex != "other" && sex != "unknown")
    problems.push_back(where + "must be male, female, other or unknown");
  if (sex.empty()) return std::nullopt;
  return sex;
}

// `line` is "subjects.csv: line 3".
Subject parseSubject(const std::vector<std::string>& fields, const RosterColumns& cols, const std::string& line,
                     std::vector<std::string>& problems) {
  Subject s;
  s.subject_id = fields[cols.subject];
  s.patient = fields[cols.patient];
  if (s.subject_id.empty()) problems.push_back(cell(line, cols.subject, "subject_id") + "empty");
  s.dose1 = parseDose(fields[cols.dose1], cell(line, cols.dose1, "dose1_date"), problems);
  s.dose2 = parseDose(fields[cols.dose2], cell(line, cols.dose2, "dose2_date"), problems);
  const std::string dose2 = cell(line, cols.dose2, "dose2_date");
  if (s.dose1 && s.dose2 && *s.dose2 < *s.dose1) problems.push_back(dose2 + "before dose1_date");
  if (!s.dose1 && s.dose2) problems.push_back(dose2 + "given without dose1_date");
  if (cols.sex) s.sex = parseSex(fields[*cols.sex], cell(line, *cols.sex, "sex"), problems);
  return s;
}

}  // namespace

Roster Roster::load(const std::filesystem::path& csv) {
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw ConfigError({csv.string() + ": cannot be read (missing or no permission)"});
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), csv.string());
}

Roster Roster::parse(std::string_view text, const std::string& label) {
  std::vector<std::string> problems;
  Roster roster;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark from spreadsheets
  size_t lineNumber = 0;
  std::optional<std::vector<std::string>> header;
  RosterColumns cols;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string line_at = label + ": line " + std::to_string(lineNumber);
    const std::string where = line_at + ": ";
    auto fields = splitCsvLine(line);
    if (!fields) {
      problems.push_back(where + "unterminated quote");
      continue;
    }
    if (!header) {
      header = fields;
      cols = findColumns(*header, where);
      continue;
    }
    if (fields->size() != header->size()) {
      problems.push_back(where + "has " + std::to_string(fields->size()) + " fields, the header has " +
                         std::to_string(header->size()));
      continue;
    }
    roster.add(parseSubject(*fields, cols, line_at, problems), {line_at, lineNumber, cols.subject, cols.patient}, problems);
  }
  if (!header) problems.push_back(label + ": empty file, expected header subject_id,patient,dose1_date,dose2_date");
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return roster;
}

void Roster::add(Subject s, const RowPlace& at, std::vector<std::string>& problems) {
  const size_t index = subjects_.size();
  // Hash lookups: linear in the roster (a scan of every earlier row took 6.7 s at 50,000 rows).
  const std::string subject = cell(at.line, at.subject_column, "subject_id");
  if (auto [it, fresh] = line_of_subject_.emplace(s.subject_id, at.number); !fresh)
    problems.push_back(subject + "listed twice (first on line " + std::to_string(it->second) + ")");
  const std::string patient = cell(at.line, at.patient_column, "patient");
  auto already = [&](size_t other) {
    problems.push_back(patient + "already on the roster (line " + std::to_string(line_of_row_[other]) + ")");
  };
  if (s.patient.rfind("Patient/", 0) == 0) {
    auto id = patientIdFromPath(s.patient);
    if (!id || s.patient.find('/', 8) != std::string::npos) {
      problems.push_back(patient + "must be Patient/{id} or {system}|{value}");
    } else if (auto [it, fresh] = by_patient_id_.emplace(std::string(*id), index); !fresh) {
      already(it->second);
    }
  } else if (auto bar = s.patient.find('|'); bar != std::string::npos && bar > 0 && bar + 1 < s.patient.size()) {
    if (auto [it, fresh] = by_identifier_.emplace(s.patient, index); !fresh) already(it->second);
  } else {
    problems.push_back(patient + "must be Patient/{id} or {system}|{value}");
  }
  subjects_.push_back(std::move(s));
  line_of_row_.push_back(at.number);
}

std::optional<size_t> Roster::matchReference(std::string_view reference, std::string_view base) const {
  if (reference.empty()) return std::nullopt;
  if (isAbsolute(reference)) {
    if (!base.empty()) {
      while (!base.empty() && base.back() == '/')
        base.remove_suffix(1);
      if (reference.substr(0, base.size()) != base || reference.size() <= base.size() || reference[base.size()] != '/')
        return std::nullopt;
      reference = reference.substr(base.size() + 1);
      // Under the base, the rest must be exactly Patient/{id}[/_history/{v}].
      if (reference.rfind("Patient/", 0) != 0) return std::nullopt;
    }
  } else if (reference.rfind("Patient/", 0) != 0) {
    return std::nullopt;
  }
  auto id = patientIdFromPath(reference);
  if (!id) return std::nullopt;
  auto it = by_patient_id_.find(std::string(*id));
  return it == by_patient_id_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

std::optional<size_t> Roster::matchIdentifier(std::string_view system, std::string_view value) const {
  std::string key;
  key.append(system).append("|").append(value);
  auto it = by_identifier_.find(key);
  return it == by_identifier_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

}  // namespace fa::mapping

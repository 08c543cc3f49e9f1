#include "report/text_report.h"

#include <algorithm>

namespace fa::report {

std::string wrapText(const std::string& text, std::size_t width, std::size_t indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
    }
    if (!line.empty() && line.find_first_not_of(' ') != std::string::npos) line += ' ';
    line += word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

namespace {

// Numbers (and "n/c", not computable, in their place) are right-aligned.
bool isNumeric(const std::string& cell) {
  return cell == "n/c" || (!cell.empty() && cell.find_first_not_of("0123456789.-") == std::string::npos);
}

std::string pad(const std::string& cell, std::size_t width, bool right) {
  if (cell.size() >= width) return cell;
  return right ? std::string(width - cell.size(), ' ') + cell : cell + std::string(width - cell.size(), ' ');
}

}  // namespace

namespace {

// The cells the text format shows: omitted columns dropped, references shortened.
std::vector<std::vector<std::string>> textCells(const Table& table) {
  std::vector<std::string> headers = table.columns;
  for (std::size_t i = 0; i < headers.size() && i < table.text_columns.size(); ++i)
    if (!table.text_columns[i].empty()) headers[i] = table.text_columns[i];
  std::vector<std::vector<std::string>> cells = {headers};
  cells.insert(cells.end(), table.rows.begin(), table.rows.end());
  for (auto& row : cells) {
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < row.size(); ++i)
      if (std::find(table.text_omit.begin(), table.text_omit.end(), i) == table.text_omit.end())
        kept.push_back(shortReference(row[i]));
    row = std::move(kept);
  }
  return cells;
}

// One row: fixed-width cells, the last one wrapped, continuation lines starting under it.
std::string textRow(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths, bool header,
                    std::size_t width) {
  std::string first;
  std::size_t lastStart = 0;
  for (std::size_t i = 0; i + 1 < cells.size(); ++i) {
    first += pad(cells[i], widths[i], !header && i > 0 && isNumeric(cells[i])) + "  ";
    lastStart += widths[i] + 2;
  }
  const std::size_t lastWidth = width > lastStart + 10 ? width - lastStart : 10;
  const std::string& last = cells.back();
  const bool number = !header && isNumeric(last);
  std::string wrapped = number ? pad(last, std::min(widths.back(), lastWidth), true) + "\n" : wrapText(last, lastWidth, 0);
  if (wrapped.empty()) wrapped = "\n";
  std::string out;
  for (std::size_t pos = 0; pos < wrapped.size();) {
    const std::size_t nl = wrapped.find('\n', pos);
    std::string line = (pos == 0 ? first : std::string(lastStart, ' ')) + wrapped.substr(pos, nl - pos);
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
    pos = nl + 1;
  }
  return out;
}

}  // namespace

std::string renderFixedWidth(const Table& table, std::size_t width) {
  std::string out = wrapText(table.title, width, 2);
  if (table.rows.empty()) return out + "  (none)\n\n";
  const std::vector<std::vector<std::string>> cells = textCells(table);
  std::vector<std::size_t> widths(cells.front().size(), 0);
  for (const auto& row : cells)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  for (std::size_t r = 0; r < cells.size(); ++r)
    out += textRow(cells[r], widths, r == 0, width);
  return out + "\n";
}

namespace {

std::string header(const Report& r) {
  const RecordCounts& c = r.counts;
  std::string out = "fhir-adapter report: trial " + r.trial_id + "\n";
  out += "  " + wrapText("records from " + r.source.origin + "; data cut " + r.source.data_cut.value_or("unknown") +
                             "; mappings " + (r.source.mappings_hash.empty() ? "unknown" : r.source.mappings_hash),
                         kTextWidth - 2, 2);
  out += "  " + std::to_string(c.records) + " records (" + std::to_string(c.selected) + " selected, " +
         std::to_string(c.retracted) + " retracted, " + std::to_string(c.not_usable) + " not usable), " +
         std::to_string(c.subjects) + " subjects; report date " + r.as_of + "\n";
  if (r.source.input_problems > 0) out += "  " + std::to_string(r.source.input_problems) + " input lines not read\n";
  return out + "\n";
}

// Scores in text: one line of numbers, then the inputs used and what is missing, wrapped.
std::string scoresText(const Report& r) {
  Table t{"scores",
          std::string("Liver scores per subject and visit. ") + kMeldNote + ". " + kChildPughNote + ".",
          {"subject_id", "visit", "MELD", "MELD-Na", "CP lab", "inputs (selected records) and what is missing"}};
  std::size_t empty = 0;
  for (const LiverScores& s : r.scores) {
    if (s.records.empty()) {
      ++empty;
      continue;
    }
    auto score = [](const std::optional<int>& n) { return n ? std::to_string(*n) : std::string("n/c"); };
    std::string detail = scoreRecordsText(s, true);
    if (!s.missing.empty()) detail += "; not computable without: " + missingText(s);
    t.rows.push_back({s.subject_id, s.visit, score(s.meld), score(s.meld_na), score(s.child_pugh_lab_points), detail});
  }
  std::string out = renderFixedWidth(t);
  if (empty > 0) {
    out.pop_back();
    out += "  " + std::to_string(empty) + " subject-visits without any score input are not listed (n/c = not computable)\n\n";
  }
  return out;
}

// The reviewer decisions, one line each, beside the flag they annotate.
std::string reviewsText(const Report& r) {
  std::string out = wrapText("Reviewer decisions (latest per record; the counts above are the adapter's flags; " +
                                 std::to_string(r.overrides_applied) + " override(s) applied in the \"w/ overrides\" column):",
                             kTextWidth, 2);
  if (!r.reviews_read) return out + "  no audit log read (--audit-dir, or [audit] dir with --config)\n";
  if (r.reviews.empty()) return out + "  none\n";
  for (const ReviewRow& row : r.reviews) {
    const ReviewerDecision& d = row.decision;
    // First line: the record and the decision (one line per record, as review list prints it).
    std::string line = d.observation + ": " + d.decision + " flag " + d.flag;
    if (d.decision == "overridden") line += " -> " + d.override_flag;
    line += " by " + d.reviewer;
    if (!d.reason.empty()) line += " (" + d.reason + ")";
    out += "  " + wrapText(line, kTextWidth - 2, 4);
    out += "    " + d.subject_id + " " + d.analyte + ", at " + d.time + "; " + row.status +
           (row.current_flag.empty() ? "" : ", record flag now " + row.current_flag) + "\n";
  }
  return out;
}

}  // namespace

std::string renderText(const Report& report) {
  std::string out = header(report);
  for (const Table& t : reportTables(report)) {
    if (t.name == "reviews" || t.name == "hbv_dna_changes") continue;
    if (t.name == "scores") {
      out += scoresText(report);
      continue;
    }
    out += renderFixedWidth(t);
  }
  if (!report.completeness.without_dose1.empty()) {
    std::string ids;
    for (const std::string& s : report.completeness.without_dose1)
      ids += " " + s;
    out += wrapText("Subjects without a first-dose date (visits cannot be placed):" + ids, kTextWidth, 2) + "\n";
  }
  return out + reviewsText(report);
}

}  // namespace fa::report

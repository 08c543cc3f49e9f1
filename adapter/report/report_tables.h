#pragma once
// The report's tables as rows of text cells: what the CSV files hold, column for column, and
// what the text format lays out in fixed-width columns.
#include <string>
#include <utility>
#include <vector>

#include "report/report_model.h"

namespace fa::report {

struct Table {
  Table(std::string table_name, std::string table_title, std::vector<std::string> column_names,
        std::vector<std::string> text_column_names = {})
      : name(std::move(table_name)),
        title(std::move(table_title)),
        columns(std::move(column_names)),
        text_columns(std::move(text_column_names)) {}
  std::string name;   // file name without .csv: outcomes, outcome_shifts, ...
  std::string title;  // heading in the text format
  std::vector<std::string> columns;
  std::vector<std::string> text_columns;  // shorter headings for the text format ("" = column)
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> text_omit;  // columns the text format leaves out (said in the title)
};

// "Observation/{id}/_history/{v}" as "{id} v{v}": the text format's short reference.
std::string shortReference(const std::string& reference);

// Every table, in report order: outcomes, outcome_shifts, analyte_shifts, hbv_dna,
// hbv_dna_changes, worst_grades, scores, pt_prolongation, albumin_infusion, completeness, reviews
// (the two screening tables when trial.json configures them).
std::vector<Table> reportTables(const Report& report);

// One cell per score input: "BILI Observation/b1/_history/1 = 68.4 umol/L".
std::string scoreRecordsText(const LiverScores& s, bool short_references);
// "CREA (no selected record); NA (comparator value <)".
std::string missingText(const LiverScores& s);

}  // namespace fa::report

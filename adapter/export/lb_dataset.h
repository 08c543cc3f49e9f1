#pragma once
// The SDTM LB dataset built from outcome records (docs/contract.md "fhir-adapter export"): one
// row per record with a usable status (final, amended, corrected), sorted by USUBJID, LBTESTCD,
// LBDTC (then LBSPID), LBSEQ numbering each subject's rows from 1. How each variable is derived
// is in the README ("Exports"). Pure: no I/O.
#include <array>
#include <string>
#include <vector>

#include "core/time_zone.h"
#include "engine/outcome_record.h"
#include "export/lb_variables.h"
#include "mapping/trial_config.h"

namespace fa::exports {

struct ExportOptions {
  std::string study_id;            // "" = the trial id from trial.json
  bool include_free_text = false;  // keep unrecognised text results instead of withholding them
};

// SAS transport v5 holds at most 200 bytes per character value; longer values are cut at a
// UTF-8 character boundary (in lb.csv too, so that both files agree).
inline constexpr std::size_t kMaxCharBytes = 200;

// Every cell as text; a numeric cell is its decimal text ("" = missing).
using LbRow = std::array<std::string, kLbVariableCount>;

struct LbDataset {
  std::vector<LbRow> rows;
  std::size_t withheld_free_text = 0;  // LBORRES values replaced by kWithheldText
  std::size_t truncated_values = 0;    // character values cut to kMaxCharBytes
};

LbDataset buildLbDataset(const engine::OutcomeRecords& records, const mapping::TrialConfig& trial, const ExportOptions& options);

// lb.csv: the header and one line per row, RFC 4180.
std::string lbCsv(const LbDataset& dataset);
// Length of a variable in lb.xpt: 8 for numbers, the longest value in bytes (at least 1) for text.
std::size_t lbVariableLength(const LbDataset& dataset, std::size_t column);
// lb-variables.csv: variable,label,type,length,origin,codelist.
std::string lbVariablesCsv(const LbDataset& dataset);

// lb.xpt: the same rows as SAS transport v5, dataset LB "Laboratory Test Results"; `created` is
// the SAS datetime of the header records (sasDateTime). Throws XptError.
std::string lbXpt(const LbDataset& dataset, const std::string& created);

// LBDTC: the collection date, with the local time ("2026-03-05T08:30", seconds only when not 0)
// when the record carries its collection instant and that is not exactly 00:00:00 local (a
// date-only source is 00:00 local, so a midnight time is written as the date alone).
std::string collectionDateTime(const engine::OutcomeRecord& record, const core::TimeZone& site_zone);

}  // namespace fa::exports

#pragma once
// Deterministic generator of a realistic hospital bulk export: FHIR R4 laboratory Observations
// as NDJSON (one resource per line, ~700-1200 bytes each), plus the trial roster (subjects.csv).
//
// Mixed variant: thousands of patients, 30 of them on the roster; LOINC codes of the trial's
// analytes among many common lab codes the trial ignores; some amended versions, some
// reference ranges, offsets in effectiveDateTime, a few absolute subject references.
// Trial-only variant: every line is a trial analyte of a rostered patient (worst case for the
// engine's memory: every line becomes a record). The same seed gives the same bytes.
#include <cstdint>
#include <string>

namespace fa::bench {

enum class Variant { Mixed, TrialOnly };

struct GeneratorOptions {
  std::uint64_t target_bytes = 256ull << 20;  // stops at the first line ending past this size
  Variant variant = Variant::Mixed;
  std::uint64_t seed = 20240501;
  int patients = 8000;   // all patients of the export (mixed variant)
  int roster_size = 30;  // rostered patients, the first of them
};

struct GeneratorResult {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t trial_lines = 0;  // trial analyte and rostered patient (before version merging)
};

// Writes the NDJSON file and the roster CSV (header subject_id,patient,dose1_date,dose2_date).
// Throws std::runtime_error when a file cannot be written.
GeneratorResult generateObservations(const GeneratorOptions& options, const std::string& ndjson_path,
                                     const std::string& subjects_path);

const char* variantName(Variant v);

}  // namespace fa::bench

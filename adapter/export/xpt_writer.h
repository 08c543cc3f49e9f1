#pragma once
// SAS transport (XPORT) version 5 files, written from the published format (SAS technical
// support document TS-140, "The record layout of a data set in SAS transport (XPORT) format"):
// 80-byte header records, one 140-byte NAMESTR per variable, then the observations packed back
// to back, each section padded with blanks to a multiple of 80 bytes. Numbers are 8-byte IBM
// System/370 floating point (not IEEE); a missing number is 0x2E followed by seven zero bytes.
// Names are at most 8 characters, labels at most 40, character values at most 200 bytes.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::exports {

struct XptVariable {
  std::string name;   // 1-8 characters: A-Z, 0-9, _ (not starting with a digit)
  std::string label;  // at most 40 characters
  bool numeric = false;
  std::size_t length = 8;  // 8 for numbers; 1-200 bytes for text
};

struct XptDataset {
  std::string name;   // member name, 1-8 characters
  std::string label;  // at most 40 characters
  std::vector<XptVariable> variables;
};

// A name, label or length the format cannot hold, or a number beyond the IBM range (~7.2e75).
class XptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Each row holds one text per variable: a character value (padded with blanks, never longer
// than the variable), or a number as decimal text ("" = missing).
// `created` is the 16-character SAS datetime of the header records, e.g. "02DEC26:01:30:00".
std::string writeXpt(const XptDataset& dataset, const std::vector<std::vector<std::string>>& rows, const std::string& created);

// IEEE double to IBM System/370 double (big-endian), exact for every double in the IBM range;
// magnitudes below 16^-65 become 0.
std::array<unsigned char, 8> ibmDouble(double value);

// "ddMMMyy:hh:mm:ss" (UTC) for seconds since 1970-01-01T00:00:00Z.
std::string sasDateTime(std::int64_t unix_seconds);

}  // namespace fa::exports

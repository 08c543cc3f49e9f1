#include "export/xpt_writer.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/civil_time.h"

namespace fa::exports {
namespace {

constexpr std::size_t kRecord = 80;
constexpr std::size_t kNamestrLength = 140;

const char* const kLibraryHeader = "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ";
const char* const kMemberHeader = "HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  ";
const char* const kDescriptorHeader = "HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  ";
const char* const kObservationHeader = "HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ";

std::string padded(const std::string& s, std::size_t width) {
  std::string out = s.substr(0, width);
  out.resize(width, ' ');
  return out;
}

void padToRecord(std::string& out) {
  if (out.size() % kRecord) out.append(kRecord - out.size() % kRecord, ' ');
}

void putShort(std::string& out, unsigned value) {
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
  out.push_back(static_cast<char>(value & 0xFF));
}

void putLong(std::string& out, std::size_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 8 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

void check(const XptDataset& d) {
  if (!validName(d.name)) throw XptError("dataset name \"" + d.name + "\" is not a SAS v5 name");
  if (d.label.size() > 40) throw XptError("dataset label is longer than 40 characters");
  for (const XptVariable& v : d.variables) {
    if (!validName(v.name)) throw XptError("variable name \"" + v.name + "\" is not a SAS v5 name");
    if (v.label.size() > 40) throw XptError("label of " + v.name + " is longer than 40 characters");
    if (v.numeric ? v.length != 8 : (v.length < 1 || v.length > 200))
      throw XptError("length of " + v.name + " is not allowed in SAS transport v5");
  }
}

std::string libraryAndMemberHeaders(const XptDataset& d, const std::string& created) {
  const std::string stamp = padded(created, 16);
  std::string out = kLibraryHeader;
  out += "SAS     SAS     SASLIB  9.4     Linux   " + std::string(24, ' ') + stamp;
  out += stamp + std::string(64, ' ');
  out += kMemberHeader;
  out += kDescriptorHeader;
  out += "SAS     " + padded(d.name, 8) + "SASDATA 9.4     Linux   " + std::string(24, ' ') + stamp;
  out += stamp + std::string(16, ' ') + padded(d.label, 40) + padded("", 8);
  return out;
}

std::string namestrs(const XptDataset& d) {
  char header[kRecord + 1];
  std::snprintf(header, sizeof header, "HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000%04zu00000000000000000000  ",
                d.variables.size());
  std::string out = header;
  std::size_t position = 0;
  for (std::size_t i = 0; i < d.variables.size(); ++i) {
    const XptVariable& v = d.variables[i];
    const std::size_t start = out.size();
    putShort(out, v.numeric ? 1 : 2);  // ntype
    putShort(out, 0);                  // nhfun
    putShort(out, static_cast<unsigned>(v.length));
    putShort(out, static_cast<unsigned>(i + 1));                     // nvar0
    out += padded(v.name, 8) + padded(v.label, 40) + padded("", 8);  // nname, nlabel, nform
    putShort(out, 0);                                                // nfl
    putShort(out, 0);                                                // nfd
    putShort(out, 0);                                                // nfj
    out.append(2, '\0');                                             // nfill
    out += padded("", 8);                                            // niform
    putShort(out, 0);                                                // nifl
    putShort(out, 0);                                                // nifd
    putLong(out, position);                                          // npos
    out.append(start + kNamestrLength - out.size(), '\0');           // rest
    position += v.length;
  }
  padToRecord(out);
  return out;
}

void appendNumber(std::string& out, const std::string& text, const std::string& name) {
  if (text.empty()) {
    out.push_back('\x2E');
    out.append(7, '\0');
    return;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) throw XptError("value of " + name + " is not a number");
  for (unsigned char byte : ibmDouble(value))
    out.push_back(static_cast<char>(byte));
}

}  // namespace

std::array<unsigned char, 8> ibmDouble(double value) {
  if (!std::isfinite(value)) throw XptError("a number is not finite");
  std::array<unsigned char, 8> out{};
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  if (biased == 0) return out;  // zero or subnormal (far below the IBM range)
  const std::uint64_t mantissa = (bits & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  // value = (mantissa / 2^53) * 2^e with the first factor in [1/2, 1); IBM wants F * 16^E with
  // F in [1/16, 1): E = ceil(e / 4), F = (mantissa / 2^53) * 2^-(4E - e), a 56-bit fraction.
  const int e = biased - 1022;
  const int hex_exponent = e >= 0 ? (e + 3) / 4 : -((-e) / 4);
  const int shift = 4 * hex_exponent - e;  // 0..3
  const std::uint64_t fraction = mantissa << (3 - shift);
  if (hex_exponent + 64 > 127) throw XptError("a number is beyond the IBM floating-point range");
  if (hex_exponent + 64 < 0) return out;
  out[0] = static_cast<unsigned char>(((bits >> 63) << 7) | static_cast<unsigned>(hex_exponent + 64));
  for (int i = 1; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<unsigned char>((fraction >> (8 * (7 - i))) & 0xFF);
  return out;
}

std::string sasDateTime(std::int64_t unix_seconds) {
  static const char* const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  std::int64_t day = unix_seconds / 86400;
  if (unix_seconds % 86400 < 0) --day;
  const std::int64_t second = unix_seconds - day * 86400;
  const std::string date = core::formatIsoDate(static_cast<core::DayNumber>(day));  // YYYY-MM-DD
  const int month = std::atoi(date.substr(5, 2).c_str());
  char out[32];
  std::snprintf(out, sizeof out, "%s%s%s:%02d:%02d:%02d", date.substr(8, 2).c_str(), months[month - 1], date.substr(2, 2).c_str(),
                static_cast<int>(second / 3600), static_cast<int>(second / 60 % 60), static_cast<int>(second % 60));
  return out;
}

std::string writeXpt(const XptDataset& dataset, const std::vector<std::vector<std::string>>& rows, const std::string& created) {
  check(dataset);
  std::string out = libraryAndMemberHeaders(dataset, created);
  out += namestrs(dataset);
  out += kObservationHeader;
  for (const std::vector<std::string>& row : rows) {
    if (row.size() != dataset.variables.size()) throw XptError("a row does not have one value per variable");
    for (std::size_t i = 0; i < row.size(); ++i) {
      const XptVariable& v = dataset.variables[i];
      if (v.numeric) {
        appendNumber(out, row[i], v.name);
      } else {
        if (row[i].size() > v.length) throw XptError("value of " + v.name + " is longer than its length");
        out += padded(row[i], v.length);
      }
    }
  }
  padToRecord(out);
  return out;
}

}  // namespace fa::exports

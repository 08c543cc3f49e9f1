#include "bulk/kickoff.h"

#include <algorithm>

#include "common/percent_encoding.h"

namespace fa::bulk {
namespace {

std::string encode(const std::string& value) {
  return common::percentEncode(value, "");
}

std::string exportPath(const BulkSettings& settings) {
  if (settings.level == "patient") return "Patient/$export";
  if (settings.level == "group") return "Group/" + encode(settings.group_id) + "/$export";
  return "$export";
}

}  // namespace

std::vector<std::string> trialCodes(const mapping::TrialConfig& config) {
  std::vector<std::string> out;
  for (const auto& codes : config.codingsByAnalyte())
    out.insert(out.end(), codes.begin(), codes.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string kickoffUrl(const BulkSettings& settings, const std::vector<std::string>& codes, const std::string& category,
                       const std::optional<std::string>& since) {
  // _typeFilter holds a FHIR search as one parameter value: the whole "Observation?..." is
  // percent-encoded, so its own "?", "&", "=" and "|" stay inside the value.
  std::string filter = "Observation?";
  if (!category.empty()) filter += "category=" + category + "&";
  std::string joined;
  for (const std::string& c : codes)
    joined += (joined.empty() ? "" : ",") + c;
  filter += "code=" + joined;
  std::string url = exportPath(settings) + "?_type=Observation&_typeFilter=" + encode(filter);
  if (since) url += "&_since=" + encode(*since);
  return url;
}

}  // namespace fa::bulk

#pragma once
// The $export kick-off request (docs/fhir-servers.md, "Bulk Data export"): system level
// `$export`, `Patient/$export` or `Group/{id}/$export`, asking for Observations only
// (`_type`), narrowed to the trial's codes (`_typeFilter`, which servers may ignore: the
// downloaded resources are filtered again locally), and `_since` for an incremental export.
// Pure: no I/O.
#include <optional>
#include <string>
#include <vector>

#include "bulk/bulk_settings.h"
#include "mapping/trial_config.h"

namespace fa::bulk {

// Every "system|code" the trial asks for, sorted, without duplicates.
std::vector<std::string> trialCodes(const mapping::TrialConfig& config);

// The kick-off URL relative to the FHIR base, e.g.
// "Group/g1/$export?_type=Observation&_typeFilter=Observation%3Fcode%3D...&_since=2026-03-01T00%3A00%3A00.000Z".
std::string kickoffUrl(const BulkSettings& settings, const std::vector<std::string>& codes, const std::string& category,
                       const std::optional<std::string>& since);

}  // namespace fa::bulk

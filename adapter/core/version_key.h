#pragma once
// The key one stored version of a resource is known by: its meta.versionId, or, for a server
// that keeps no versions, "@" followed by meta.lastUpdated ("@" alone when both are missing).
// The "@" cannot begin a FHIR id (the versionId grammar is [A-Za-z0-9\-\.]{1,64}), so the
// two kinds never collide. The store, the poller and the push path must agree on it exactly.
#include <optional>
#include <string>

namespace fa::core {

inline std::string versionKey(const std::string& version_id, const std::optional<std::string>& last_updated) {
  return !version_id.empty() ? version_id : "@" + last_updated.value_or("");
}

}  // namespace fa::core

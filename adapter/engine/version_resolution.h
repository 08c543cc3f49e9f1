#pragma once
// Version resolution: which version of one Observation id stands, and whether it was withdrawn.
//
// docs/trial-rules.md: a newer version replaces an older one (higher meta.versionId, compared
// numerically when both are numbers, "10" after "9"; else the later meta.lastUpdated); the same
// id and version seen twice is one (the later lastUpdated, else the first seen).
// entered-in-error withdraws the result: the record becomes "retracted" with the values of the
// last usable version; cancelled hides it (older versions too); a delete newer than the last
// known version withdraws it like entered-in-error. Pure function.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fa::engine {

struct VersionKey {
  std::string version_id;  // "" when absent
  std::optional<std::int64_t> last_updated;
  std::string status;
  std::uint64_t seen = 0;               // order of arrival in this run
  std::optional<std::uint64_t> bundle;  // history Bundle and index, for timeless deletes
  std::size_t bundle_index = 0;
};

struct DeleteKey {
  std::optional<std::int64_t> last_modified;
  std::optional<std::uint64_t> bundle;
  std::size_t bundle_index = 0;
};

struct Resolution {
  enum class State { Current, Retracted, Hidden };
  State state = State::Current;
  std::size_t reference = 0;  // the version the record names (Observation/{id}/_history/{v})
  std::size_t content = 0;    // the version whose values the record shows
  std::string retraction;     // "entered-in-error" or "deleted"
};

bool isUsableStatus(const std::string& status);  // final, amended, corrected

// True when a is a newer version than b.
bool isNewerVersion(const VersionKey& a, const VersionKey& b);

// `versions` must not be empty.
Resolution resolveVersions(std::span<const VersionKey> versions, const std::vector<DeleteKey>& deletes);

}  // namespace fa::engine

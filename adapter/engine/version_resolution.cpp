#include "engine/version_resolution.h"

#include <algorithm>
#include <string_view>

namespace fa::engine {
namespace {

bool isNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric comparison of digit strings of any length: "10" > "9", "007" == "7".
int compareNumbers(const std::string& a, const std::string& b) {
  auto strip = [](const std::string& s) {
    size_t i = s.find_first_not_of('0');
    return i == std::string::npos ? std::string("0") : s.substr(i);
  };
  std::string x = strip(a), y = strip(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x.compare(y) < 0 ? -1 : x.compare(y) > 0 ? 1 : 0;
}

bool sameVersion(const VersionKey& a, const VersionKey& b) {
  if (a.version_id.empty() || b.version_id.empty()) return false;
  if (isNumber(a.version_id) && isNumber(b.version_id)) return compareNumbers(a.version_id, b.version_id) == 0;
  return a.version_id == b.version_id;
}

bool deleteIsNewer(const DeleteKey& d, const VersionKey& v) {
  if (d.last_modified) return !v.last_updated || *d.last_modified > *v.last_updated;
  // Without a time: a history Bundle lists newest first, so the delete is newer than what comes
  // after it in the same Bundle. Against a version from elsewhere the delete is taken as the
  // latest word (it can only be known from a history read made after the version existed).
  if (d.bundle && v.bundle && *d.bundle == *v.bundle) return d.bundle_index < v.bundle_index;
  return true;
}

}  // namespace

// As views: std::string == "literal" measures the literal and calls memcmp for every record.
bool isUsableStatus(const std::string& status) {
  using namespace std::string_view_literals;
  const std::string_view s = status;
  return s == "final"sv || s == "amended"sv || s == "corrected"sv;
}

bool isNewerVersion(const VersionKey& a, const VersionKey& b) {
  if (sameVersion(a, b)) {
    // The same version seen twice: the later lastUpdated, else the first seen.
    if (a.last_updated != b.last_updated) return a.last_updated > b.last_updated;
    return a.seen < b.seen;
  }
  if (isNumber(a.version_id) && isNumber(b.version_id)) return compareNumbers(a.version_id, b.version_id) > 0;
  if (a.last_updated != b.last_updated) return a.last_updated > b.last_updated;
  return a.seen < b.seen;
}

Resolution resolveVersions(std::span<const VersionKey> versions, const std::vector<DeleteKey>& deletes) {
  Resolution r;
  size_t latest = 0;
  for (size_t i = 1; i < versions.size(); ++i) {
    if (isNewerVersion(versions[i], versions[latest])) latest = i;
  }
  r.reference = r.content = latest;
  const VersionKey& last = versions[latest];
  if (last.status == "cancelled") {
    r.state = Resolution::State::Hidden;
    return r;
  }
  const bool deleted = std::any_of(deletes.begin(), deletes.end(), [&](const DeleteKey& d) { return deleteIsNewer(d, last); });
  if (last.status == "entered-in-error") {
    r.state = Resolution::State::Retracted;
    r.retraction = "entered-in-error";
    // Values of the last usable version before it, if any was seen.
    std::optional<size_t> usable;
    for (size_t i = 0; i < versions.size(); ++i) {
      if (i == latest || !isUsableStatus(versions[i].status) || sameVersion(versions[i], last)) continue;
      if (!usable || isNewerVersion(versions[i], versions[*usable])) usable = i;
    }
    if (usable) r.content = *usable;
    return r;
  }
  if (deleted) {
    r.state = Resolution::State::Retracted;
    r.retraction = "deleted";
  }
  return r;
}

}  // namespace fa::engine

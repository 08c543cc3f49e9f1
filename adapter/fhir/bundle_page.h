#pragma once
// BundlePage: a FHIR response body (a search or history Bundle, or one resource) split into its
// resources, each kept as the exact JSON text the server sent (stored verbatim for audit, and
// so decimals keep every digit), plus the entry details the sync engine needs.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fa::fhir {

struct PageEntry {
  std::string_view resource;  // JSON text of entry.resource ("" when the entry has none)
  std::string resource_type;
  std::string id;
  std::string version_id;
  std::optional<std::string> last_updated;
  std::string status;          // Observation.status, when present
  std::string request_method;  // history Bundles: POST, PUT, DELETE
  std::string request_url;
  std::optional<std::string> response_last_modified;
};

struct BundlePage {
  std::string resource_type;  // "Bundle", or the single resource's type
  std::string bundle_type;
  std::optional<std::string> next_url;
  std::vector<PageEntry> entries;  // a single resource is one entry
};

// Parses `body`; nullopt with `error` set when it is not JSON or not a FHIR resource.
// The returned string_views point into `body`.
std::optional<BundlePage> parseBundlePage(std::string_view body, std::string& error);

}  // namespace fa::fhir

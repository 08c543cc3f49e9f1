#pragma once
// The completion manifest of a Bulk Data export (the status URL's 200 answer):
// transactionTime (everything up to it is in the files: the next `_since` and the watermark of
// the incremental searches after, never the client's clock), requiresAccessToken (send the
// token to file URLs only when true), output[] {type, url, count}, error[] (OperationOutcome
// NDJSON), deleted[] (Bundles of DELETE entries). Pure: no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fa::bulk {

struct ManifestFile {
  std::string type;  // resource type of the file's lines
  std::string url;
  std::optional<long long> count;
};

struct Manifest {
  std::string transaction_time;  // as sent
  bool requires_access_token = false;
  std::vector<ManifestFile> output, error, deleted;
};

// nullopt with `problem` set when the text is not a manifest (no JSON object, no
// transactionTime that is a FHIR instant, no output array, a file without a URL).
std::optional<Manifest> parseManifest(std::string_view text, std::string& problem);

}  // namespace fa::bulk

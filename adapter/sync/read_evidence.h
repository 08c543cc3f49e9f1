#pragma once
// ReadEvidence: what a rescan's read of a vanished result says about it. Only this read can
// show a deletion (a search that no longer lists a result proves nothing): 410 Gone, or 404
// with an OperationOutcome about the resource. A 404 that is the server not knowing the
// resource type, a 404 that is not FHIR at all (a proxy's page for a wrong base URL), or any
// other answer is a failure of the server, never a deletion (docs/fhir-servers.md).
#include <optional>
#include <string>

#include "fhir/bundle_page.h"
#include "net/http_types.h"

namespace fa::sync {

struct ReadEvidence {
  enum class Kind { Present, Gone, Failure };
  Kind kind = Kind::Failure;
  std::optional<fhir::PageEntry> resource;  // Present: the resource; its text points into the body
  std::string reason;                       // Failure: a metrics label
  std::string detail;                       // Failure: why (statuses and ids only)
};

// `response` is the answer to GET Observation/{id}; it must outlive the result.
ReadEvidence classifyRead(const net::HttpResponse& response, const std::string& id);

// True when an OperationOutcome body says the resource type is unknown or unsupported.
bool saysUnknownResourceType(const std::string& operation_outcome_json);

}  // namespace fa::sync

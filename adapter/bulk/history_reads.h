#pragma once
// Withdrawn results of an export: an export holds current versions only, so an Observation
// whose current version is entered-in-error arrives without the values it had. As the poller
// does for a search (adapter/sync/poller_history.cpp), its `_history` is read so that its
// record keeps the last usable version's values: the same records by export as by search.
#include <string>

#include "net/fhir_client.h"
#include "store/observation_store.h"

namespace fa::bulk {

struct HistoryReads {
  int resources = 0;  // withdrawn results whose history was read
  int requests = 0;
  int new_versions = 0;
  int unavailable = 0;  // the server keeps or shows no history (4xx, 501)
};

// Reads the history of every stored Observation whose versions are all entered-in-error. Idempotent: a
// resumed export reads again only what still lacks one. Throws net::FhirError on 5xx or
// transport failures after retries.
HistoryReads readWithdrawnHistories(net::FhirClient& client, store::ObservationStore& store, const std::string& now);

}  // namespace fa::bulk

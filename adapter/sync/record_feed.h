#pragma once
// Feeding stored versions and deletions to the engine (record_builder.cpp): all of them, or
// those of some Observation ids, with each rejection attributed to the stored version that
// caused it (the store keeps them, so a start that recomputes nothing still reports them).
#include <string>
#include <utility>
#include <vector>

#include "sync/record_builder.h"

namespace fa::sync {

struct FeedResult {
  engine::OutcomeRecords records;
  engine::MapCounts counts;
  std::vector<store::ObservationStore::VersionRejection> rejections;  // of the kept versions
  std::uint64_t skipped = 0;                                          // skipped_not_on_roster of the kept versions
};

// Every stored version and deletion; `on_rejection` hears each rejection as it happens.
FeedResult feedAll(store::ObservationStore& store, const RecordBasis& basis,
                   const engine::MappingSession::RejectionHandler& on_rejection);

// The versions and deletions of `ids` (sorted). Rejections and skips are kept only of the
// versions in `fresh` (sorted (id, version_key) pairs); none when it is null.
FeedResult feedIds(store::ObservationStore& store, const RecordBasis& basis, const std::vector<std::string>& ids,
                   const std::vector<std::pair<std::string, std::string>>* fresh);

}  // namespace fa::sync

#pragma once
// RecordBuilder: recomputes every outcome record from the store through the engine `map` uses,
// so the same resources give the same records whichever path brought them in. Writes the
// difference to the store (with history and one audit outbox row per change) in one
// transaction. Records stay typed values (engine::OutcomeRecord) all the way to the store.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/mapping_session.h"
#include "store/observation_store.h"

namespace fa::sync {

struct RebuildResult {
  store::RecordChanges changes;
  std::vector<std::pair<std::string, std::string>> changed;  // observation id, created|updated|removed
  engine::MapCounts counts;
  std::size_t records = 0;
  std::map<std::string, int> by_flag;  // "normal", "high", ..., "retracted" for a null flag
};

// Feeds the stored versions and deletions to a fresh MappingSession and returns its records.
engine::OutcomeRecords computeRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                                      std::shared_ptr<const mapping::Roster> roster, const std::string& base_url,
                                      const engine::MappingSession::RejectionHandler& on_rejection,
                                      engine::MapCounts* counts = nullptr);

RebuildResult rebuildRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                             std::shared_ptr<const mapping::Roster> roster, const std::string& base_url, const std::string& now,
                             const engine::MappingSession::RejectionHandler& on_rejection);

}  // namespace fa::sync

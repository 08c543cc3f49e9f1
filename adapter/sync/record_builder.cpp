#include "sync/record_builder.h"

#include <algorithm>
#include <set>

#include "sync/record_feed.h"

namespace fa::sync {
namespace {

// Above this many changed Observations a full rebuild reads the store faster than the
// per-id lookups of an incremental one (the records are the same either way).
constexpr std::size_t kIncrementalLimit = 20000;

store::ObservationStore::RecordInputs inputsOf(const RecordBasis& basis, std::uint64_t skipped) {
  return {basis.config->content_hash, basis.roster_hash, engineFingerprint(basis.base_url), skipped};
}

bool sameBasis(const store::ObservationStore::RecordInputs& stored, const store::ObservationStore::RecordInputs& wanted) {
  return !wanted.engine.empty() && stored.mappings_hash == wanted.mappings_hash && stored.roster_hash == wanted.roster_hash &&
         stored.engine == wanted.engine;
}

// The totals a full rebuild reports, from the store; the stored rejections go to `on_rejection`.
void totalsFromStore(store::ObservationStore& store, std::uint64_t skipped,
                     const engine::MappingSession::RejectionHandler& on_rejection, RebuildResult& result) {
  for (const auto& [flag, n] : store.recordCountsByFlag())
    result.by_flag[flag ? *flag : std::string("retracted")] += static_cast<int>(n);
  result.records = store.recordCount();
  result.counts.rejected = store.rejectionCount();
  result.counts.skipped_not_on_roster = skipped;
  if (!on_rejection) return;
  store.forEachRejection([&](const store::ObservationStore::VersionRejection& r) { on_rejection({"store", r.resource, r.why}); });
}

std::vector<std::string> sortedUnion(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The subject+analyte groups the changed ids' records were in and are now in.
std::vector<std::pair<std::string, std::string>> touchedGroups(store::ObservationStore& store,
                                                               const std::vector<std::string>& ids,
                                                               const engine::OutcomeRecords& records) {
  std::set<std::pair<std::string, std::string>> groups;
  for (auto& g : store.recordGroupsOf(ids))
    groups.insert(std::move(g));
  for (const engine::OutcomeRecord& r : records)
    groups.emplace(r.subject_id, r.analyte);
  return {groups.begin(), groups.end()};
}

// Only versions or deletions changed: the groups they touch, whole.
RebuildResult updateGroups(store::ObservationStore& store, const RecordBasis& basis, store::ObservationStore::RecordInputs inputs,
                           const std::string& now, const engine::MappingSession::RejectionHandler& on_rejection) {
  const std::vector<std::string> ids = store.changedObservationIds();
  const auto fresh = store.changedVersions();
  // First the changed ids alone: their new groups, and what their new versions add to the
  // engine's counts (a version's rejection or roster check depends on it alone).
  FeedResult changed = feedIds(store, basis, ids, &fresh);
  const std::vector<std::string> scope = sortedUnion(ids, store.recordIdsInGroups(touchedGroups(store, ids, changed.records)));
  engine::OutcomeRecords records = scope == ids ? std::move(changed.records) : feedIds(store, basis, scope, nullptr).records;
  RebuildResult result;
  result.how = Recomputed::Groups;
  auto t = store.transaction();
  result.changes = store.replaceRecordsOf(scope, records, basis.config->content_hash, now, &result.changed);
  store.setMeta("mappings_hash", basis.config->content_hash);
  store.addRejections(changed.rejections);
  inputs.skipped_not_on_roster += changed.skipped;
  store.setRecordInputs(inputs);
  t.commit();
  totalsFromStore(store, inputs.skipped_not_on_roster, on_rejection, result);
  return result;
}

}  // namespace

engine::OutcomeRecords computeRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                                      std::shared_ptr<const mapping::Roster> roster, const std::string& base_url,
                                      const engine::MappingSession::RejectionHandler& on_rejection, engine::MapCounts* counts) {
  const RecordBasis basis{std::move(config), std::move(roster), "", base_url};
  FeedResult all = feedAll(store, basis, on_rejection);
  if (counts) *counts = all.counts;
  return std::move(all.records);
}

RebuildResult rebuildRecords(store::ObservationStore& store, const RecordBasis& basis, const std::string& now,
                             const engine::MappingSession::RejectionHandler& on_rejection) {
  RebuildResult result;
  const std::string& hash = basis.config->content_hash;
  FeedResult all = feedAll(store, basis, on_rejection);
  result.counts = all.counts;
  for (const engine::OutcomeRecord& r : all.records)
    ++result.by_flag[r.flag ? std::string(core::toString(*r.flag)) : std::string("retracted")];
  // The changes, their history and their audit outbox rows commit together (see
  // daemon::drainAuditOutbox for the audit entries), with what they were computed from.
  auto t = store.transaction();
  result.changes = store.replaceRecords(all.records, hash, now, &result.changed);
  store.setMeta("mappings_hash", hash);
  store.replaceRejections(all.rejections);
  store.setRecordInputs(inputsOf(basis, all.counts.skipped_not_on_roster));
  t.commit();
  result.records = all.records.size();
  return result;
}

RebuildResult updateRecords(store::ObservationStore& store, const RecordBasis& basis, const std::string& now,
                            const engine::MappingSession::RejectionHandler& on_rejection) {
  const std::optional<store::ObservationStore::RecordInputs> stored = store.recordInputs();
  const store::ObservationStore::RecordInputs wanted = inputsOf(basis, 0);
  if (!stored || !sameBasis(*stored, wanted)) return rebuildRecords(store, basis, now, on_rejection);
  const std::size_t changed = store.changedObservationCount();
  if (changed > kIncrementalLimit) return rebuildRecords(store, basis, now, on_rejection);
  if (changed > 0) return updateGroups(store, basis, *stored, now, on_rejection);
  RebuildResult result;  // nothing changed: nothing is written
  result.how = Recomputed::Nothing;
  totalsFromStore(store, stored->skipped_not_on_roster, on_rejection, result);
  return result;
}

}  // namespace fa::sync

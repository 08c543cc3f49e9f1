#include "sync/record_builder.h"

#include <rapidjson/document.h>

#include "common/json_depth.h"
#include "core/civil_time.h"

namespace fa::sync {

engine::OutcomeRecords computeRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                                      std::shared_ptr<const mapping::Roster> roster, const std::string& base_url,
                                      const engine::MappingSession::RejectionHandler& on_rejection, engine::MapCounts* counts) {
  engine::MappingSession session(std::move(config), std::move(roster), {base_url}, on_rejection);
  rapidjson::Document doc;
  store.forEachVersion([&](const store::ObservationVersion& v) {
    fhir::ResourceLocation where{"store", 0, {}};
    common::parseBounded<rapidjson::kParseNumbersAsStringsFlag>(doc, v.resource);
    if (doc.HasParseError()) {
      session.onInputError(where, "stored Observation/" + v.id + " is not JSON");
      return;
    }
    session.onResource(doc, where, std::nullopt);
  });
  for (const store::Deletion& d : store.deletions()) {
    fhir::DeleteNotice notice;
    notice.resource_type = "Observation";
    notice.id = d.id;
    if (d.last_modified) {
      if (auto parsed = core::parseFhirDateTime(*d.last_modified)) notice.last_modified = core::toSiteTime(*parsed, 0).instant;
    }
    session.onDelete(notice);
  }
  auto records = session.finish();
  if (counts) *counts = session.counts();
  return records;
}

RebuildResult rebuildRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                             std::shared_ptr<const mapping::Roster> roster, const std::string& base_url, const std::string& now,
                             const engine::MappingSession::RejectionHandler& on_rejection) {
  RebuildResult result;
  const std::string hash = config->content_hash;
  const engine::OutcomeRecords records = computeRecords(store, config, std::move(roster), base_url, on_rejection, &result.counts);
  for (const engine::OutcomeRecord& r : records)
    ++result.by_flag[r.flag ? std::string(core::toString(*r.flag)) : std::string("retracted")];
  // The changes, their history and their audit outbox rows commit together (see
  // daemon::drainAuditOutbox for the audit entries).
  auto t = store.transaction();
  result.changes = store.replaceRecords(records, hash, now, &result.changed);
  store.setMeta("mappings_hash", hash);
  t.commit();
  result.records = records.size();
  return result;
}

}  // namespace fa::sync

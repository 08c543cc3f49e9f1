#include "sync/record_builder.h"

#include <rapidjson/document.h>

#include <map>

#include "core/civil_time.h"
#include "engine/record_writer.h"

namespace fa::sync {

engine::OutcomeRecords computeRecords(store::ObservationStore& store, std::shared_ptr<const mapping::TrialConfig> config,
                                      std::shared_ptr<const mapping::Roster> roster, const std::string& base_url,
                                      const engine::MappingSession::RejectionHandler& on_rejection, engine::MapCounts* counts) {
  engine::MappingSession session(std::move(config), std::move(roster), {base_url}, on_rejection);
  rapidjson::Document doc;
  store.forEachVersion([&](const store::ObservationVersion& v) {
    fhir::ResourceLocation where{"store", 0, {}};
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(v.resource.c_str(), v.resource.size());
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
  auto records = computeRecords(store, config, std::move(roster), base_url, on_rejection, &result.counts);
  std::vector<store::StoredRecord> stored;
  stored.reserve(records.size());
  for (const engine::OutcomeRecord& r : records) {
    store::StoredRecord s;
    s.observation_id = r.resource_id;
    s.subject_id = r.subject_id;
    s.analyte = r.analyte;
    s.effective = r.effective;
    s.observation = r.observation;
    engine::appendNdjson(s.ndjson, r);
    s.ndjson.pop_back();  // stored without the newline
    engine::appendCsv(s.csv, r);
    s.csv.pop_back();
    stored.push_back(std::move(s));
    ++result.by_flag[r.flag ? std::string(core::toString(*r.flag)) : std::string("retracted")];
  }
  auto t = store.transaction();
  std::map<std::string, std::string> previous;  // observation id -> NDJSON, for before/after
  store.forEachRecord([&](const store::StoredRecord& s) { previous.emplace(s.observation_id, s.ndjson); });
  result.changes = store.replaceRecords(stored, hash, now, &result.changed);
  if (!result.changed.empty()) {
    std::map<std::string, const std::string*> current;
    for (const store::StoredRecord& s : stored)
      current.emplace(s.observation_id, &s.ndjson);
    for (const auto& [id, change] : result.changed) {
      RecordChange rc{id, change, std::nullopt, std::nullopt};
      if (auto it = previous.find(id); it != previous.end()) rc.before = it->second;
      if (auto it = current.find(id); it != current.end() && change != "removed") rc.after = *it->second;
      result.changed_records.push_back(std::move(rc));
    }
  }
  store.setMeta("mappings_hash", hash);
  t.commit();
  result.records = stored.size();
  return result;
}

}  // namespace fa::sync

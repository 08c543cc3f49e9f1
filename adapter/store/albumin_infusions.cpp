// The store side of the albumin infusion screening check: one typed row per infusion resource.
#include <sqlite3.h>

#include "store/observation_store.h"

namespace fa::store {

void ObservationStore::putAlbuminInfusion(const engine::AlbuminInfusion& infusion, const std::optional<std::string>& last_updated,
                                          const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO albumin_infusions (resource, kind, subject_id, date, last_updated, received_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT(resource) DO UPDATE SET kind = excluded.kind, subject_id = excluded.subject_id, date = excluded.date, "
      "last_updated = excluded.last_updated, received_at = excluded.received_at");
  s.bind(1, infusion.resource).bind(2, infusion.kind).bind(3, infusion.subject_id).bind(4, infusion.date);
  s.bindOptional(5, last_updated).bind(6, now);
  s.run();
}

bool ObservationStore::removeAlbuminInfusion(const std::string& resource) {
  Statement s = db_.prepare("DELETE FROM albumin_infusions WHERE resource = ?1");
  s.bind(1, resource);
  s.run();
  return sqlite3_changes(db_.handle()) > 0;
}

void ObservationStore::forEachAlbuminInfusion(const std::function<void(const engine::AlbuminInfusion&)>& visit) {
  Statement s = db_.prepare("SELECT subject_id, resource, date, kind FROM albumin_infusions ORDER BY subject_id, date, resource");
  while (s.step())
    visit(engine::AlbuminInfusion{s.text(0), s.text(1), s.text(2), s.text(3)});
}

std::size_t ObservationStore::albuminInfusionCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM albumin_infusions");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

}  // namespace fa::store

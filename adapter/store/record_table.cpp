// ObservationStore: the outcome records, their history and the audit outbox.
#include <map>

#include "engine/record_writer.h"
#include "store/observation_store.h"
#include "store/record_columns.h"

namespace fa::store {
namespace {

// "?first, ?first+1, ..." for `count` parameters.
std::string placeholders(int first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += "?" + std::to_string(first + static_cast<int>(i));
  }
  return out;
}

std::string ndjsonText(const engine::OutcomeRecord& r) {
  std::string out;
  engine::appendNdjson(out, r);
  out.pop_back();  // stored without the newline
  return out;
}

std::string csvText(const engine::OutcomeRecord& r) {
  std::string out;
  engine::appendCsv(out, r);
  out.pop_back();
  return out;
}

// The statements of one replaceRecords call.
struct RecordWriter {
  Statement upsert, history, outbox, remove;
  const std::string& rules_hash;
  const std::string& now;

  void write(const std::string& id, const engine::OutcomeRecord& r, const RecordValues& values, const std::string& ndjson) {
    upsert.bind(1, id);
    bindValues(upsert, 2, values);
    const int next = 2 + static_cast<int>(values.size());
    upsert.bind(next, ndjson).bind(next + 1, csvText(r)).bind(next + 2, rules_hash).bind(next + 3, now);
    upsert.run();
  }

  // The history keeps NDJSON text (its shipped columns); the outbox the typed values.
  void log(const std::string& id, const char* change, const RecordValues* before, const RecordValues* after,
           const std::optional<std::string>& after_ndjson) {
    history.bind(1, id).bind(2, std::string_view(change)).bind(5, rules_hash).bind(6, now);
    history.bindOptional(3, before ? std::optional<std::string>(ndjsonText(fromValues(*before))) : std::nullopt);
    history.bindOptional(4, after_ndjson);
    history.run();
    const RecordValues none(recordColumnNames().size());
    const int width = static_cast<int>(none.size());
    outbox.bind(1, id).bind(2, std::string_view(change)).bind(3, rules_hash).bind(4, now);
    outbox.bind(5, std::int64_t{before != nullptr});
    bindValues(outbox, 6, before ? *before : none);
    outbox.bind(6 + width, std::int64_t{after != nullptr});
    bindValues(outbox, 7 + width, after ? *after : none);
    outbox.run();
  }
};

RecordWriter prepareWriter(SqliteDb& db, const std::string& rules_hash, const std::string& now) {
  const std::size_t width = recordColumnNames().size();
  return RecordWriter{
      db.prepare("INSERT OR REPLACE INTO records (observation_id, " + recordColumnList("") +
                 ", record_ndjson, record_csv, rules_hash, updated_at) VALUES (" + placeholders(1, width + 5) + ")"),
      db.prepare("INSERT INTO record_history (observation_id, change, before_ndjson, after_ndjson, rules_hash, at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
      db.prepare("INSERT INTO audit_outbox (observation_id, change, rules_hash, at, has_before, " + recordColumnList("before_") +
                 ", has_after, " + recordColumnList("after_") + ") VALUES (" + placeholders(1, 2 * width + 6) + ")"),
      db.prepare("DELETE FROM records WHERE observation_id = ?1"),
      rules_hash,
      now};
}

}  // namespace

namespace {

// Writes the difference between `existing` (observation_id -> what is stored) and `records`.
RecordChanges writeDifference(SqliteDb& db, std::map<std::string, RecordValues> existing, const engine::OutcomeRecords& records,
                              const std::string& rules_hash, const std::string& now,
                              std::vector<std::pair<std::string, std::string>>* changed) {
  RecordChanges changes;
  RecordWriter writer = prepareWriter(db, rules_hash, now);
  for (const engine::OutcomeRecord& r : records) {
    const RecordValues values = toValues(r);
    std::optional<RecordValues> before;
    if (auto it = existing.find(r.resource_id); it != existing.end()) {
      before = std::move(it->second);
      existing.erase(it);
      if (*before == values) continue;  // stored the same: no change, no history, no audit
    }
    const std::string ndjson = ndjsonText(r);
    writer.write(r.resource_id, r, values, ndjson);
    const char* change = before ? "updated" : "created";
    writer.log(r.resource_id, change, before ? &*before : nullptr, &values, ndjson);
    (before ? changes.updated : changes.created)++;
    if (changed) changed->emplace_back(r.resource_id, change);
  }
  for (const auto& [id, values] : existing) {
    writer.remove.bind(1, id);
    writer.remove.run();
    writer.log(id, "removed", &values, nullptr, std::nullopt);
    ++changes.removed;
    if (changed) changed->emplace_back(id, "removed");
  }
  return changes;
}

}  // namespace

RecordChanges ObservationStore::replaceRecords(const engine::OutcomeRecords& records, const std::string& rules_hash,
                                               const std::string& now,
                                               std::vector<std::pair<std::string, std::string>>* changed) {
  std::map<std::string, RecordValues> existing;
  Statement s = db_.prepare("SELECT observation_id, " + recordColumnList("") + " FROM records");
  while (s.step())
    existing.emplace(s.text(0), readValues(s, 1));
  return writeDifference(db_, std::move(existing), records, rules_hash, now, changed);
}

RecordChanges ObservationStore::replaceRecordsOf(const std::vector<std::string>& scope, const engine::OutcomeRecords& records,
                                                 const std::string& rules_hash, const std::string& now,
                                                 std::vector<std::pair<std::string, std::string>>* changed) {
  std::map<std::string, RecordValues> existing;
  Statement s = db_.prepare("SELECT " + recordColumnList("") + " FROM records WHERE observation_id = ?1");
  for (const std::string& id : scope) {
    s.bind(1, id);
    if (s.step()) existing.emplace(id, readValues(s, 0));
    s.reset();
  }
  return writeDifference(db_, std::move(existing), records, rules_hash, now, changed);
}

void ObservationStore::forEachRecord(const std::function<void(const engine::OutcomeRecord&)>& visit) {
  // SQLite sorts NULL first in ascending order and compares TEXT bytewise: the map order.
  Statement s = db_.prepare("SELECT observation_id, " + recordColumnList("") +
                            " FROM records ORDER BY subject_id, analyte, effective, observation");
  while (s.step()) {
    engine::OutcomeRecord r = fromValues(readValues(s, 1));
    r.resource_id = s.text(0);
    visit(r);
  }
}

std::optional<engine::OutcomeRecord> ObservationStore::record(const std::string& observation_id) {
  Statement s = db_.prepare("SELECT " + recordColumnList("") + " FROM records WHERE observation_id = ?1");
  s.bind(1, observation_id);
  if (!s.step()) return std::nullopt;
  engine::OutcomeRecord r = fromValues(readValues(s, 0));
  r.resource_id = observation_id;
  return r;
}

std::vector<PendingRecordChange> ObservationStore::pendingRecordChanges(std::size_t max) {
  const int width = static_cast<int>(recordColumnNames().size());
  Statement s = db_.prepare("SELECT seq, observation_id, change, rules_hash, at, has_before, " + recordColumnList("before_") +
                            ", has_after, " + recordColumnList("after_") + " FROM audit_outbox ORDER BY seq LIMIT ?1");
  s.bind(1, static_cast<std::int64_t>(max));
  std::vector<PendingRecordChange> out;
  while (s.step()) {
    PendingRecordChange c{s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), std::nullopt, std::nullopt};
    auto side = [&](int has) -> std::optional<engine::OutcomeRecord> {
      if (s.integer(has) == 0) return std::nullopt;
      engine::OutcomeRecord r = fromValues(readValues(s, has + 1));
      r.resource_id = c.observation_id;
      return r;
    };
    c.before = side(5);
    c.after = side(6 + width);
    out.push_back(std::move(c));
  }
  return out;
}

std::size_t ObservationStore::pendingRecordChangeCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM audit_outbox");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void ObservationStore::deleteRecordChanges(std::int64_t up_to_seq) {
  Statement s = db_.prepare("DELETE FROM audit_outbox WHERE seq <= ?1");
  s.bind(1, up_to_seq);
  s.run();
}

}  // namespace fa::store

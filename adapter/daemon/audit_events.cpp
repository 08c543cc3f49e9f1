#include "daemon/audit_events.h"

#include "core/flag.h"
#include "core/reference_range.h"
#include "core/value_interval.h"

namespace fa::daemon {
namespace {

std::optional<std::string> text(const std::optional<std::string>& s) {
  return s;
}
std::optional<std::string> text(const std::optional<core::Decimal>& d) {
  return d ? std::optional<std::string>(d->toString()) : std::nullopt;
}
std::optional<std::string> text(const std::optional<int>& i) {
  return i ? std::optional<std::string>(std::to_string(*i)) : std::nullopt;
}
std::optional<std::string> text(bool b) {
  return std::string(b ? "true" : "false");
}
template <typename Enum>
std::optional<std::string> enumText(const std::optional<Enum>& e) {
  return e ? std::optional<std::string>(std::string(core::toString(*e))) : std::nullopt;
}

// Fields kept out of audit details: the result and unit exactly as the lab sent them are free
// text that may hold patient data (a name, a comment), and audit details carry no PHI. A change
// to them is still audited, by name only ("unlogged_changes").
bool unlogged(const std::string& field) {
  return field == "source_value" || field == "source_unit";
}

// A reason may quote the lab's own text (`unit "..." is not accepted for BILI`): in audit details
// the quoted part, from the first to the last double quote, is replaced by a marker, so that a
// quote inside the lab's text cannot end the redaction early. The store keeps the reason whole.
std::string auditSafeReason(const std::string& reason) {
  const std::size_t first = reason.find('"');
  const std::size_t last = reason.rfind('"');
  if (first == std::string::npos || last == first) return reason;
  return reason.substr(0, first) + "\"[source text]\"" + reason.substr(last + 1);
}

std::string detailText(const std::string& field, const std::optional<std::string>& value) {
  if (!value) return "null";
  return field == "reason" ? auditSafeReason(*value) : *value;
}

const std::string& latestText(const std::vector<RecordField>& fields, const char* name) {
  static const std::string kNull = "null";
  for (const RecordField& f : fields)
    if (f.name == name) return f.text ? *f.text : kNull;
  return kNull;
}

// before./after. of every field that differs (every field when one side is absent).
void addChangedFields(audit::AuditEvent& e, const std::vector<RecordField>* before, const std::vector<RecordField>* after) {
  std::string unloggedChanges;
  const std::vector<RecordField>& names = after ? *after : *before;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::optional<std::string>* b = before ? &(*before)[i].text : nullptr;
    const std::optional<std::string>* a = after ? &(*after)[i].text : nullptr;
    if (b && a && *b == *a) continue;
    const std::string& field = names[i].name;
    if (unlogged(field)) {
      unloggedChanges += (unloggedChanges.empty() ? "" : ",") + field;
      continue;
    }
    if (b) e.details["before." + field] = detailText(field, *b);
    if (a) e.details["after." + field] = detailText(field, *a);
  }
  if (!unloggedChanges.empty()) e.details["unlogged_changes"] = unloggedChanges;
}

}  // namespace

std::vector<RecordField> recordFields(const engine::OutcomeRecord& r) {
  return {{"subject_id", r.subject_id},
          {"analyte", r.analyte},
          {"observation", r.observation},
          {"status", r.status},
          {"effective", text(r.effective)},
          {"study_day", text(r.study_day)},
          {"visit", r.visit},
          {"selected", text(r.selected)},
          {"baseline", text(r.baseline)},
          {"comparator",
           r.comparator == core::Comparator::None ? std::nullopt : std::optional<std::string>(core::toString(r.comparator))},
          {"value", text(r.value)},
          {"unit", r.unit},
          {"source_value", text(r.source_value)},
          {"source_unit", text(r.source_unit)},
          {"ref_low", text(r.range.low)},
          {"ref_high", text(r.range.high)},
          {"ref_source", enumText(r.ref_source)},
          {"flag", enumText(r.flag)},
          {"ctcae_grade", text(r.ctcae_grade)},
          {"reason", text(r.reason)}};
}

std::optional<std::string> recordFieldText(const engine::OutcomeRecord& r, const std::string& field) {
  for (RecordField& f : recordFields(r))
    if (f.name == field) return std::move(f.text);
  return std::nullopt;
}

audit::AuditSettings auditSettings(const DaemonConfig& c, const std::string& actor) {
  audit::AuditSettings s = c.audit;
  s.actor = actor;
  return s;
}

audit::AuditEvent recordChangeEvent(const store::PendingRecordChange& change, const std::string& base_url) {
  audit::AuditEvent e;
  e.actor = "fhir-adapter/sync";
  e.record_key = change.observation_id;
  e.source_server = base_url;
  e.rule_version = change.rules_hash;
  std::optional<std::vector<RecordField>> before, after;
  if (change.before) before = recordFields(*change.before);
  if (change.after) after = recordFields(*change.after);
  if (before || after) {
    const std::vector<RecordField>& latest = after ? *after : *before;
    e.source_ref = latestText(latest, "observation");
    e.details["subject_id"] = latestText(latest, "subject_id");
    e.details["analyte"] = latestText(latest, "analyte");
    e.details["unit"] = latestText(latest, "unit");
    addChangedFields(e, before ? &*before : nullptr, after ? &*after : nullptr);
  }
  // The outbox row's number: an entry written twice (a crash between the audit commit and the
  // outbox delete) is recognisable as the same change.
  e.details["change_seq"] = std::to_string(change.seq);
  const bool retracted = after && latestText(*after, "status") == "retracted";
  const bool wasRetracted = before && latestText(*before, "status") == "retracted";
  if (change.change == "removed") {
    e.action = "record_removed";
  } else if (retracted && !wasRetracted) {
    e.action = "record_retracted";
    e.details["reason"] = latestText(*after, "reason");  // withdrawn: entered-in-error | withdrawn: deleted
  } else {
    e.action = change.change == "created" ? "record_created" : "record_updated";
  }
  return e;
}

std::size_t drainAuditOutbox(store::ObservationStore& store, audit::AuditLog& log, const std::string& base_url) {
  constexpr std::size_t kBatch = 500;  // bounded memory, one fsync per batch
  std::size_t written = 0;
  while (true) {
    const std::vector<store::PendingRecordChange> batch = store.pendingRecordChanges(kBatch);
    if (batch.empty()) return written;
    for (const store::PendingRecordChange& change : batch)
      log.append(recordChangeEvent(change, base_url));
    log.commit();  // durable (fsync) before the outbox forgets them
    store.deleteRecordChanges(batch.back().seq);
    written += batch.size();
  }
}

}  // namespace fa::daemon

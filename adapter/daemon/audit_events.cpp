#include "daemon/audit_events.h"

#include <rapidjson/document.h>

namespace fa::daemon {
namespace {

// The audited fields of a record, as text ("null" for a JSON null).
const char* const kAuditedFields[] = {"value", "flag", "ctcae_grade", "selected", "status"};

std::string fieldText(const rapidjson::Value& doc, const char* key) {
  auto it = doc.FindMember(key);
  if (it == doc.MemberEnd() || it->value.IsNull()) return "null";
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  if (it->value.IsBool()) return it->value.GetBool() ? "true" : "false";
  if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
  return "?";
}

bool parse(const std::optional<std::string>& ndjson, rapidjson::Document& doc) {
  if (!ndjson) return false;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(ndjson->c_str(), ndjson->size());
  return !doc.HasParseError() && doc.IsObject();
}

}  // namespace

audit::AuditSettings auditSettings(const DaemonConfig& c, const std::string& actor) {
  audit::AuditSettings s = c.audit;
  s.actor = actor;
  return s;
}

audit::AuditEvent recordChangeEvent(const sync::RecordChange& change, const std::string& rule_version,
                                    const std::string& base_url) {
  audit::AuditEvent e;
  e.actor = "fhir-adapter/sync";
  e.record_key = change.id;
  e.source_server = base_url;
  e.rule_version = rule_version;
  rapidjson::Document before, after;
  const bool hasBefore = parse(change.before, before);
  const bool hasAfter = parse(change.after, after);
  const rapidjson::Document& latest = hasAfter ? after : before;
  if (hasAfter || hasBefore) {
    e.source_ref = fieldText(latest, "observation");
    e.details["subject_id"] = fieldText(latest, "subject_id");
    e.details["analyte"] = fieldText(latest, "analyte");
    e.details["unit"] = fieldText(latest, "unit");
  }
  for (const char* field : kAuditedFields) {
    if (hasBefore) e.details[std::string("before.") + field] = fieldText(before, field);
    if (hasAfter) e.details[std::string("after.") + field] = fieldText(after, field);
  }
  if (change.change == "removed") {
    e.action = "record_removed";
  } else if (hasAfter && fieldText(after, "status") == "retracted" &&
             !(hasBefore && fieldText(before, "status") == "retracted")) {
    e.action = "record_retracted";
    e.details["reason"] = fieldText(after, "reason");  // withdrawn: entered-in-error | withdrawn: deleted
  } else {
    e.action = change.change == "created" ? "record_created" : "record_updated";
  }
  return e;
}

void auditRecordChanges(audit::AuditLog& log, const sync::RebuildResult& result, const std::string& rule_version,
                        const std::string& base_url) {
  for (const sync::RecordChange& change : result.changed_records)
    log.append(recordChangeEvent(change, rule_version, base_url));
  log.commit();
}

}  // namespace fa::daemon

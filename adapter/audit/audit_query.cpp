#include "audit/audit_query.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "audit/audit_files.h"
#include "common/csv_field.h"
#include "core/civil_time.h"

namespace fa::audit {
namespace {

constexpr const char* kDcm = "http://dicom.nema.org/resources/ontology/DCM";
constexpr const char* kEventType = "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr const char* kRestful = "http://hl7.org/fhir/restful-interaction";
constexpr const char* kRoleType = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";
constexpr const char* kSourceType = "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr const char* kEntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
constexpr const char* kObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";

struct Code {
  const char* system;
  const char* code;
  const char* display;
};

struct EventKind {
  Code type;
  std::optional<Code> subtype;
  bool patientRecord = false;
};

EventKind kindOf(const AuditEntry& e) {
  const std::string& a = e.action;
  const Code patientRecord{kDcm, "110110", "Patient Record"};
  const Code appActivity{kDcm, "110100", "Application Activity"};
  if (a == "record_created") return {patientRecord, Code{kRestful, "create", "create"}, true};
  if (a == "record_updated" || a == "record_retracted") return {patientRecord, Code{kRestful, "update", "update"}, true};
  if (a == "record_removed") return {patientRecord, Code{kRestful, "delete", "delete"}, true};
  if (a == kReviewAccepted || a == kReviewOverridden) return {patientRecord, std::nullopt, true};
  if (a == "config_loaded") return {appActivity, Code{kDcm, "110120", "Application Start"}, false};
  if (a == "daemon_stopped") return {appActivity, Code{kDcm, "110121", "Application Stop"}, false};
  if (a == "subscription_registered")
    return {Code{kEventType, "rest", "RESTful Operation"}, Code{kRestful, "create", "create"}, false};
  if (a == "subscription_removed")
    return {Code{kEventType, "rest", "RESTful Operation"}, Code{kRestful, "delete", "delete"}, false};
  if (a == "callback_rejected") {
    if (e.detail("reason") == "auth") return {Code{kDcm, "110114", "User Authentication"}, std::nullopt, false};
    return {Code{kEventType, "rest", "RESTful Operation"}, std::nullopt, false};
  }
  return {appActivity, std::nullopt, false};
}

bool isReviewer(const AuditEntry& e) {
  return e.action == kReviewAccepted || e.action == kReviewOverridden;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void coding(Writer& w, const Code& c) {
  w.StartObject();
  str(w, "system", c.system);
  str(w, "code", c.code);
  str(w, "display", c.display);
  w.EndObject();
}

void codeable(Writer& w, const Code& c) {
  w.StartObject();
  w.Key("coding");
  w.StartArray();
  coding(w, c);
  w.EndArray();
  w.EndObject();
}

void writeAgent(Writer& w, const AuditEntry& e) {
  w.Key("agent");
  w.StartArray();
  w.StartObject();
  w.Key("type");
  codeable(w, isReviewer(e) ? Code{kRoleType, "humanuser", "human user"} : Code{kRoleType, "dataprocessor", "data processor"});
  w.Key("who");
  w.StartObject();
  str(w, "display", e.actor.empty() ? std::string("fhir-adapter") : e.actor);
  w.EndObject();
  w.Key("requestor");
  w.Bool(true);
  w.EndObject();
  w.EndArray();
}

void writeSource(Writer& w) {
  w.Key("source");
  w.StartObject();
  str(w, "site", "fhir-adapter");
  w.Key("observer");
  w.StartObject();
  str(w, "display", "fhir-adapter");
  w.EndObject();
  w.Key("type");
  w.StartArray();
  coding(w, Code{kSourceType, "4", "Application Server"});
  w.EndArray();
  w.EndObject();
}

void writeEntityDetails(Writer& w, const AuditEntry& e) {
  w.Key("detail");
  w.StartArray();
  auto detail = [&w](const std::string& type, const std::string& value) {
    if (value.empty()) return;
    w.StartObject();
    str(w, "type", type);
    str(w, "valueString", value);
    w.EndObject();
  };
  detail("action", e.action);
  detail("rule_version", e.rule_version);
  for (const auto& [k, v] : e.details) {
    if (k != "subject_id") detail(k, v);
  }
  detail("audit_seq", std::to_string(e.seq));
  detail("audit_hash", e.hash);
  w.EndArray();
}

// The object acted on, with every detail, the rule version and the audit chain position.
void writeObjectEntity(Writer& w, const AuditEntry& e, const EventKind& kind) {
  w.StartObject();
  w.Key("what");
  w.StartObject();
  if (!e.source_ref.empty()) {
    std::string ref = e.source_ref;
    if (!e.source_server.empty()) ref = e.source_server + "/" + ref;
    str(w, "reference", ref);
  } else if (!e.record_key.empty()) {
    str(w, "reference", "Observation/" + e.record_key);
  } else {
    str(w, "display", e.action.rfind("audit_", 0) == 0 ? "fhir-adapter audit log" : "fhir-adapter configuration");
  }
  w.EndObject();
  w.Key("type");
  coding(w, Code{kEntityType, "2", "System Object"});
  if (kind.patientRecord) {
    w.Key("role");
    coding(w, Code{kObjectRole, "4", "Domain Resource"});
  }
  writeEntityDetails(w, e);
  w.EndObject();
}

// The pseudonymous trial subject the entry is about, if any.
void writeSubjectEntity(Writer& w, const std::string& subject) {
  w.StartObject();
  w.Key("what");
  w.StartObject();
  w.Key("identifier");
  w.StartObject();
  str(w, "value", subject);
  w.EndObject();
  w.EndObject();
  w.Key("type");
  coding(w, Code{kEntityType, "1", "Person"});
  w.Key("role");
  coding(w, Code{kObjectRole, "1", "Patient"});
  w.EndObject();
}

void writeEvent(Writer& w, const AuditEntry& e) {
  const EventKind kind = kindOf(e);
  w.StartObject();
  str(w, "resourceType", "AuditEvent");
  str(w, "id", "audit-" + std::to_string(e.seq));
  w.Key("type");
  coding(w, kind.type);
  if (kind.subtype) {
    w.Key("subtype");
    w.StartArray();
    coding(w, *kind.subtype);
    w.EndArray();
  }
  str(w, "action", fhirAction(e.action));
  str(w, "recorded", e.time);
  str(w, "outcome", fhirOutcome(e.outcome));
  if (!e.detail("problem").empty()) str(w, "outcomeDesc", e.detail("problem"));
  writeAgent(w, e);
  writeSource(w);
  w.Key("entity");
  w.StartArray();
  writeObjectEntity(w, e, kind);
  if (const std::string subject = e.detail("subject_id"); !subject.empty()) writeSubjectEntity(w, subject);
  w.EndArray();
  w.EndObject();
}

std::string detailsJson(const AuditEntry& e, bool skipIndexed) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  for (const auto& [k, v] : e.details) {
    if (skipIndexed && (k == "subject_id" || k == "analyte")) continue;
    str(w, k.c_str(), v);
  }
  w.EndObject();
  return buf.GetString();
}

std::string stripObservation(std::string id) {
  if (id.rfind("Observation/", 0) == 0) id = id.substr(12);
  auto slash = id.find('/');
  if (slash != std::string::npos) id = id.substr(0, slash);
  return id;
}

}  // namespace

void readEntries(const std::filesystem::path& dir, const std::function<void(const AuditEntry&)>& visit,
                 std::vector<std::string>* problems) {
  for (const SegmentFile& seg : listSegments(dir)) {
    const std::string name = seg.path.filename().string();
    forEachLine(seg.path, [&](std::string_view line, std::size_t number, bool terminated) {
      std::string why;
      auto e = terminated ? parseEntry(line, &why) : std::nullopt;
      if (!terminated) why = "partial last line";
      if (!e) {
        if (problems) problems->push_back(name + " line " + std::to_string(number) + ": " + why);
        return true;
      }
      visit(*e);
      return true;
    });
  }
}

std::optional<std::string> parseTimeBound(std::string_view text) {
  if (text.size() == 10) {
    if (!core::parseIsoDate(text)) return std::nullopt;
    return std::string(text);
  }
  const std::optional<core::FhirDateTime> instant = core::parseFhirDateTime(text);
  if (!instant || instant->precision != core::FhirDateTime::Precision::Time || !instant->offset_minutes) return std::nullopt;
  const std::optional<core::InstantMicros> utc = core::toSiteTime(*instant, 0).instant;
  if (!utc) return std::nullopt;
  return core::formatInstantUtc(*utc);
}

bool EntryFilter::matches(const AuditEntry& e) const {
  if (!includeCheckpoints && e.isCheckpoint()) return false;
  if (!subject.empty() && e.detail("subject_id") != subject) return false;
  if (!analyte.empty() && e.detail("analyte") != analyte) return false;
  if (!action.empty()) {
    bool any = false;
    std::stringstream ss(action);
    for (std::string a; std::getline(ss, a, ',');)
      any = any || a == e.action;
    if (!any) return false;
  }
  if (!observation.empty()) {
    const std::string id = stripObservation(observation);
    if (e.record_key != id && stripObservation(e.source_ref) != id) return false;
  }
  if (!since.empty() && e.time < since) return false;
  if (!until.empty() && e.time.compare(0, until.size(), until) > 0) return false;
  return true;
}

std::string fhirAction(const std::string& action) {
  if (action == "record_created" || action == "subscription_registered" || action == kReviewAccepted ||
      action == kReviewOverridden)
    return "C";
  if (action == "record_updated" || action == "record_retracted") return "U";
  if (action == "record_removed" || action == "subscription_removed") return "D";
  return "E";
}

std::string fhirOutcome(const std::string& outcome) {
  if (outcome == "success" || outcome.empty()) return "0";
  if (outcome == "minor_failure") return "4";
  if (outcome == "major_failure") return "12";
  return "8";
}

std::string auditEventJson(const AuditEntry& e) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  writeEvent(w, e);
  return buf.GetString();
}

std::string fhirBundle(const std::vector<AuditEntry>& entries, const std::string& timestamp) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  str(w, "resourceType", "Bundle");
  str(w, "type", "collection");
  str(w, "timestamp", timestamp);
  w.Key("total");
  w.Uint64(entries.size());
  w.Key("entry");
  w.StartArray();
  for (const AuditEntry& e : entries) {
    w.StartObject();
    // A stable urn:uuid from the entry's hash.
    const std::string& h = e.hash;
    std::string uuid = h.size() >= 32 ? h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
                                            "-" + h.substr(20, 12)
                                      : std::string("00000000-0000-0000-0000-000000000000");
    str(w, "fullUrl", "urn:uuid:" + uuid);
    w.Key("resource");
    writeEvent(w, e);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString()) + "\n";
}

std::string formatJsonLines(const std::vector<AuditEntry>& entries) {
  std::string out;
  for (const AuditEntry& e : entries)
    out += canonicalLine(e) + "\n";
  return out;
}

std::string formatCsv(const std::vector<AuditEntry>& entries) {
  std::string out =
      "seq,time,actor,action,record_key,source_ref,source_server,rule_version,outcome,subject_id,analyte,details,hash\n";
  for (const AuditEntry& e : entries) {
    out += std::to_string(e.seq) + "," + common::csvField(e.time) + "," + common::csvField(e.actor) + "," +
           common::csvField(e.action) + "," + common::csvField(e.record_key) + "," + common::csvField(e.source_ref) + "," +
           common::csvField(e.source_server) + "," + common::csvField(e.rule_version) + "," + common::csvField(e.outcome) + "," +
           common::csvField(e.detail("subject_id")) + "," + common::csvField(e.detail("analyte")) + "," +
           common::csvField(detailsJson(e, true)) + "," + e.hash + "\n";
  }
  return out;
}

std::string formatTable(const std::vector<AuditEntry>& entries) {
  const std::vector<std::string> header = {"seq",     "time",    "actor",   "action", "record",
                                           "subject", "analyte", "outcome", "details"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(entries.size());
  for (const AuditEntry& e : entries) {
    std::string details;
    for (const auto& [k, v] : e.details) {
      if (k == "subject_id" || k == "analyte") continue;
      if (!details.empty()) details += " ";
      details += k + "=" + v;
    }
    if (!e.rule_version.empty()) details += (details.empty() ? "" : " ") + std::string("rules=") + e.rule_version.substr(0, 12);
    rows.push_back({std::to_string(e.seq), e.time, e.actor, e.action, e.source_ref.empty() ? e.record_key : e.source_ref,
                    e.detail("subject_id"), e.detail("analyte"), e.outcome, details});
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i)
    width[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i + 1 < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows)
    out += line(row);
  return out;
}

std::vector<ReviewState> latestReviews(const std::vector<AuditEntry>& entries) {
  std::map<std::string, ReviewState> latest;
  for (const AuditEntry& e : entries) {
    if (!isReviewer(e)) continue;
    ReviewState s;
    s.record_key = e.record_key;
    s.observation = e.source_ref;
    s.subject_id = e.detail("subject_id");
    s.analyte = e.detail("analyte");
    s.decision = e.action == kReviewAccepted ? "accepted" : "overridden";
    s.flag = e.detail("flag");
    s.override_flag = e.detail("override_flag");
    s.reason = e.detail("reason");
    s.reviewer = e.actor;
    s.time = e.time;
    s.seq = e.seq;
    latest[e.record_key] = std::move(s);
  }
  std::vector<ReviewState> out;
  for (auto& [k, v] : latest)
    out.push_back(std::move(v));
  return out;
}

}  // namespace fa::audit

#pragma once
// Reading the audit log back: filters for `audit show`, FHIR R4 AuditEvent and CSV for
// `audit export`, and the latest reviewer decision per record for `review list`.
//
// FHIR export (IHE Basic Audit Log Patterns where they fit): a Bundle (type collection) of
// AuditEvent resources. type: DICOM (http://dicom.nema.org/resources/ontology/DCM) 110110
// Patient Record for record changes and reviews, 110100 Application Activity for configuration,
// re-evaluation, checkpoints and recovery (subtype 110120 Application Start / 110121 Application
// Stop where they apply), 110114 User Authentication for rejected callbacks (auth), audit-event-type
// rest for subscriptions and rejected input; subtype http://hl7.org/fhir/restful-interaction for
// record changes; action C/U/D/E; outcome 0/4/8/12; agent (requestor) typed humanuser for a
// reviewer, dataprocessor for a component; source.observer fhir-adapter (security-source-type 4);
// entity: the Observation version (audit-entity-type 2, object-role 4) with the details, and
// the pseudonymous subject (audit-entity-type 1, object-role 1).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_entry.h"

namespace fa::audit {

// Every parseable entry in order; lines that are not entries go to `problems` (run verify).
void readEntries(const std::filesystem::path& dir, const std::function<void(const AuditEntry&)>& visit,
                 std::vector<std::string>* problems = nullptr);

// A `--since` / `--until` bound in the form the entries' time text compares with: a date
// "YYYY-MM-DD" (a real calendar date) stays as it is, an RFC 3339 instant with a zone
// ("2026-03-01T08:00:00Z", "2026-03-01T09:00:00.5+01:00") becomes UTC with milliseconds
// ("2026-03-01T08:00:00.000Z"). nullopt for anything else ("01/12/2026", "yesterday"), which
// would otherwise compare as text and match every entry or none.
std::optional<std::string> parseTimeBound(std::string_view text);
inline constexpr const char* kTimeBoundForm = "YYYY-MM-DD or an RFC 3339 instant such as 2026-03-01T08:00:00Z";

struct EntryFilter {
  std::string subject;      // details.subject_id
  std::string analyte;      // details.analyte
  std::string action;       // exact, or a comma-separated list
  std::string observation;  // id or Observation/id
  std::string since;        // entries at or after this bound (parseTimeBound form)
  std::string until;        // entries at or before (a date includes the whole day)
  bool includeCheckpoints = true;
  bool matches(const AuditEntry& e) const;
};

std::string formatTable(const std::vector<AuditEntry>& entries);
std::string formatJsonLines(const std::vector<AuditEntry>& entries);  // the entries as stored
std::string formatCsv(const std::vector<AuditEntry>& entries);
std::string auditEventJson(const AuditEntry& e);  // one FHIR R4 AuditEvent
std::string fhirBundle(const std::vector<AuditEntry>& entries, const std::string& timestamp);

// The FHIR action code (C, R, U, D, E) and outcome code (0, 4, 8, 12) of an entry.
std::string fhirAction(const std::string& action);
std::string fhirOutcome(const std::string& outcome);

struct ReviewState {
  std::string record_key;
  std::string observation;
  std::string subject_id;
  std::string analyte;
  std::string decision;  // accepted | overridden
  std::string flag;      // the record's flag when reviewed
  std::string override_flag;
  std::string reason;
  std::string reviewer;
  std::string time;
  std::uint64_t seq = 0;
};
inline constexpr const char* kReviewAccepted = "review_accepted";
inline constexpr const char* kReviewOverridden = "review_overridden";
// The latest review of each record, ordered by record key.
std::vector<ReviewState> latestReviews(const std::vector<AuditEntry>& entries);

}  // namespace fa::audit

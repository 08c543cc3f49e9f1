#pragma once
// The review and signing rules of the console and of `fhir-adapter review` (pure).
//
// A review accepts a record's flag or overrides it with another flag and a reason (a code from
// the site's list plus optional free text). A monitor's review is signed: the password again and
// the meaning (reviewed | approved) go with it, and the audit entry carries the signer's login,
// printed name and the meaning; its time is the entry's (21 CFR Part 11 11.50, 11.200).
// Reviews are audit entries (review_accepted / review_overridden) that repeat the record's
// observation version, flag, grade and value: when the stored record no longer has them (a new
// source version, a re-evaluation that changed it), the review is "voided by a data change" and
// the record is back in the work queue (EDC practice: REDCap, Castor, LibreClinica).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_entry.h"
#include "audit/audit_log.h"
#include "console/accounts.h"
#include "console/record_fields.h"
#include "core/time_zone.h"

namespace fa::console {

inline constexpr std::size_t kMaxReasonText = 500;

struct ReviewInput {
  bool override_flag_given = false;  // false: accept the record's flag
  std::string override_flag;         // low | normal | high | indeterminate | not_assessable
  std::string reason_code;           // one of the site's reasons; required for an override
  std::string reason_text;           // free text, optional, one line, at most kMaxReasonText
  std::string meaning;               // reviewed | approved: required to sign, "" = unsigned
  bool confirmed_no_patient_data = false;
};

struct Reviewer {
  std::string login;  // the actor of the entry
  std::string name;   // printed name ("" for the CLI's unsigned reviews)
  Role role = Role::Viewer;
};

// A long digit run (6 or more: a record or phone number) or a date (2024-05-01, 01/05/1960,
// 1.5.60): what a reason must not hold, as it stays forever in an append-only log.
bool looksLikePatientData(std::string_view text);

enum class ReviewVerdict { Ok, Refused, NeedsConfirmation };
struct ReviewCheck {
  ReviewVerdict verdict = ReviewVerdict::Ok;
  std::string message;  // why refused, or the warning to confirm
};
// Whether this reviewer may record this review of this record.
ReviewCheck checkReview(const ReviewInput& in, const Reviewer& who, const RecordFields& record,
                        const std::vector<std::string>& site_reasons);

// The audit event of an accepted check. rules: the mappings hash the record was made with.
audit::AuditEvent reviewEvent(const ReviewInput& in, const Reviewer& who, const RecordFields& record, const std::string& rules,
                              const std::string& base_url);

// Needs a review: the selected record of its visit, not withdrawn, flagged (not normal) or graded.
bool needsReview(const RecordFields& record);

enum class ReviewState { Unreviewed, Reviewed, Signed, Voided };
std::string reviewStateName(ReviewState s);  // unreviewed | reviewed | signed | voided
struct ReviewStatus {
  ReviewState state = ReviewState::Unreviewed;
  std::optional<audit::AuditEntry> latest;  // the latest review entry of the record
};
// From the record's review entries (in log order) and the stored record now.
ReviewStatus reviewStatus(const std::vector<audit::AuditEntry>& reviews, const RecordFields& record);
bool isReviewEntry(const audit::AuditEntry& e);
bool isSigned(const audit::AuditEntry& e);
// In the work queue: needs a review and has no signed review still valid.
bool inQueue(const RecordFields& record, const ReviewStatus& status);

// "2026-12-01 14:02 +08:00": a UTC entry time in the site's fixed offset.
std::string siteTime(const std::string& utc_instant, int offset_minutes);
// The same at the zone's offset at that instant (daylight saving included).
std::string siteTime(const std::string& utc_instant, const core::TimeZone& zone);
// "Signed by J. Smith (jsmith), 2026-12-01 14:02 +08:00, meaning: reviewed".
std::string signatureLine(const audit::AuditEntry& e, const core::TimeZone& zone);

}  // namespace fa::console

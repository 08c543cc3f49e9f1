#include "console/review_rules.h"

#include "audit/audit_query.h"

#include <chrono>
#include <cstdio>
#include <regex>

namespace fa::console {
namespace {

bool oneLine(std::string_view s) {
  for (char ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return false;
  return true;
}

bool isFlag(const std::string& f) {
  return f == "low" || f == "normal" || f == "high" || f == "indeterminate" || f == "not_assessable";
}

std::string reasonText(const ReviewInput& in) {
  if (in.reason_code.empty()) return in.reason_text;
  return in.reason_text.empty() ? in.reason_code : in.reason_code + ": " + in.reason_text;
}

ReviewCheck refused(std::string why) {
  return {ReviewVerdict::Refused, std::move(why)};
}

std::optional<ReviewCheck> permissionProblem(const ReviewInput& in, const Reviewer& who) {
  if (!canReview(who.role)) return refused("a viewer cannot record reviews");
  if (!in.meaning.empty() && !canSign(who.role)) return refused("only a monitor can sign (a data manager reviews unsigned)");
  if (!in.meaning.empty() && in.meaning != "reviewed" && in.meaning != "approved")
    return refused("the meaning of a signature is reviewed or approved");
  if (!in.meaning.empty() && who.name.empty()) return refused("a signature needs the signer's printed name");
  return std::nullopt;
}

std::optional<ReviewCheck> reasonProblem(const ReviewInput& in, const std::vector<std::string>& site_reasons) {
  if (in.reason_text.size() > kMaxReasonText || !oneLine(in.reason_text))
    return refused("the note is one line of at most 500 characters");
  if (in.override_flag_given && in.reason_code.empty()) return refused("an override needs a reason from the list");
  if (!in.reason_code.empty()) {
    bool known = false;
    for (const std::string& r : site_reasons)
      known = known || r == in.reason_code;
    if (!known) return refused("the reason is not one of the site's reasons");
  }
  return std::nullopt;
}

}  // namespace

bool looksLikePatientData(std::string_view text) {
  static const std::regex digits("[0-9]{6,}");
  static const std::regex date(
      "(^|[^0-9])([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4})($|[^0-9])");
  const std::string s(text);
  return std::regex_search(s, digits) || std::regex_search(s, date);
}

ReviewCheck checkReview(const ReviewInput& in, const Reviewer& who, const RecordFields& record,
                        const std::vector<std::string>& site_reasons) {
  if (auto p = permissionProblem(in, who)) return *p;
  const std::string status = record.count("status") ? record.at("status") : "";
  const std::string flag = record.count("flag") ? record.at("flag") : "";
  if (status == "retracted") return refused("the record is retracted (withdrawn at the source): there is no flag to review");
  if (in.override_flag_given && !isFlag(in.override_flag)) return refused("unknown flag " + in.override_flag);
  if (in.override_flag_given && in.override_flag == flag)
    return refused("the record already has flag " + flag + ": an override must change the flag");
  if (auto p = reasonProblem(in, site_reasons)) return *p;
  if (looksLikePatientData(in.reason_text) && !in.confirmed_no_patient_data)
    return {ReviewVerdict::NeedsConfirmation,
            "the note looks like it holds patient data (a long number or a date); it stays in the audit log for ever. "
            "Remove it, or confirm that it holds none."};
  return {};
}

audit::AuditEvent reviewEvent(const ReviewInput& in, const Reviewer& who, const RecordFields& record, const std::string& rules,
                              const std::string& base_url) {
  auto field = [&record](const char* name) { return record.count(name) ? record.at(name) : std::string(); };
  audit::AuditEvent e;
  e.actor = who.login;
  e.action = in.override_flag_given ? audit::kReviewOverridden : audit::kReviewAccepted;
  e.record_key = observationId(field("observation"));
  e.source_ref = field("observation");
  e.source_server = base_url;
  e.rule_version = rules;
  e.details = {{"subject_id", field("subject_id")},   {"analyte", field("analyte")}, {"flag", field("flag")},
               {"ctcae_grade", field("ctcae_grade")}, {"value", field("value")},     {"unit", field("unit")}};
  if (const std::string reason = reasonText(in); !reason.empty()) e.details["reason"] = reason;
  if (!in.reason_code.empty()) e.details["reason_code"] = in.reason_code;
  if (in.override_flag_given) e.details["override_flag"] = in.override_flag;
  if (!in.meaning.empty()) {
    e.details["signer_login"] = who.login;
    e.details["signer_name"] = who.name;
    e.details["signature_meaning"] = in.meaning;
  }
  return e;
}

bool needsReview(const RecordFields& r) {
  auto field = [&r](const char* name) { return r.count(name) ? r.at(name) : std::string(); };
  if (field("selected") != "true" || field("status") == "retracted") return false;
  const std::string flag = field("flag"), grade = field("ctcae_grade");
  return (!flag.empty() && flag != "normal") || (!grade.empty() && grade != "0");
}

std::string reviewStateName(ReviewState s) {
  switch (s) {
    case ReviewState::Unreviewed:
      return "unreviewed";
    case ReviewState::Reviewed:
      return "reviewed";
    case ReviewState::Signed:
      return "signed";
    case ReviewState::Voided:
      return "voided";
  }
  return "unreviewed";
}

bool isReviewEntry(const audit::AuditEntry& e) {
  return e.action == audit::kReviewAccepted || e.action == audit::kReviewOverridden;
}

bool isSigned(const audit::AuditEntry& e) {
  return !e.detail("signature_meaning").empty() && !e.detail("signer_name").empty();
}

// A review stands while the record still is what was reviewed: the same source version, flag,
// grade and value.
ReviewStatus reviewStatus(const std::vector<audit::AuditEntry>& reviews, const RecordFields& r) {
  ReviewStatus out;
  for (const auto& e : reviews)
    if (isReviewEntry(e)) out.latest = e;
  if (!out.latest) return out;
  auto field = [&r](const char* name) { return r.count(name) ? r.at(name) : std::string(); };
  const audit::AuditEntry& e = *out.latest;
  const bool same = e.source_ref == field("observation") && e.detail("flag") == field("flag") &&
                    e.detail("ctcae_grade") == field("ctcae_grade") && e.detail("value") == field("value");
  if (!same)
    out.state = ReviewState::Voided;
  else
    out.state = isSigned(e) ? ReviewState::Signed : ReviewState::Reviewed;
  return out;
}

bool inQueue(const RecordFields& record, const ReviewStatus& status) {
  return needsReview(record) && status.state != ReviewState::Signed;
}

std::string siteTime(const std::string& utc, int offset_minutes) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(utc.c_str(), "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) != 5) return utc;
  using namespace std::chrono;
  const sys_days day{year{y} / month{static_cast<unsigned>(mo)} / std::chrono::day{static_cast<unsigned>(d)}};
  const sys_time<minutes> t = day + hours{h} + minutes{mi} + minutes{offset_minutes};
  const sys_days localDay = floor<days>(t);
  const year_month_day ymd{localDay};
  const auto hm = hh_mm_ss<minutes>{t - localDay};
  const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d %c%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hm.hours().count()),
                static_cast<int>(hm.minutes().count()), offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

std::string siteTime(const std::string& utc, const core::TimeZone& zone) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (std::sscanf(utc.c_str(), "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) != 5) return utc;
  using namespace std::chrono;
  const sys_days day{year{y} / month{static_cast<unsigned>(mo)} / std::chrono::day{static_cast<unsigned>(d)}};
  const sys_seconds t = day + hours{h} + minutes{mi};
  return siteTime(utc, zone.offsetSecondsAt(t.time_since_epoch().count()) / 60);
}

std::string signatureLine(const audit::AuditEntry& e, const core::TimeZone& zone) {
  return "Signed by " + e.detail("signer_name") + " (" + e.detail("signer_login") + "), " + siteTime(e.time, zone) +
         ", meaning: " + e.detail("signature_meaning");
}

}  // namespace fa::console

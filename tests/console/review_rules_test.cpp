// The review and signing rules: who may review and sign, reasons, the patient-data warning,
// the audit event, voiding by a data change, the queue, and the signature line.
#include "console/review_rules.h"

#include <gtest/gtest.h>

namespace fa::console {
namespace {

const std::vector<std::string> kReasons = {"haemolysed sample", "other"};
const Reviewer kMonitor{"jsmith", "J. Smith", Role::Monitor};
const Reviewer kDataManager{"dm", "D. Manager", Role::DataManager};
const Reviewer kViewer{"v", "V. Iewer", Role::Viewer};

RecordFields highBili() {
  return {{"subject_id", "S01"}, {"analyte", "BILI"},  {"observation", "Observation/ob1/_history/1"},
          {"status", "final"},   {"selected", "true"}, {"flag", "high"},
          {"ctcae_grade", "2"},  {"value", "40.0000"}, {"unit", "umol/L"}};
}

ReviewInput overrideTo(const std::string& flag) {
  ReviewInput in;
  in.override_flag_given = true;
  in.override_flag = flag;
  in.reason_code = "haemolysed sample";
  return in;
}

TEST(ReviewRules, MonitorSignsDataManagerReviewsViewerReads) {
  ReviewInput in;
  in.meaning = "reviewed";
  EXPECT_EQ(checkReview(in, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Ok);
  EXPECT_EQ(checkReview(in, kDataManager, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  in.meaning = "";
  EXPECT_EQ(checkReview(in, kDataManager, highBili(), kReasons).verdict, ReviewVerdict::Ok);  // unsigned review
  EXPECT_EQ(checkReview(in, kViewer, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  in.meaning = "authored";  // not a meaning this console offers
  EXPECT_EQ(checkReview(in, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
}

TEST(ReviewRules, OverrideNeedsAnotherFlagAndAListedReason) {
  EXPECT_EQ(checkReview(overrideTo("normal"), kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Ok);
  EXPECT_EQ(checkReview(overrideTo("high"), kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);  // same flag
  EXPECT_EQ(checkReview(overrideTo("purple"), kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  ReviewInput noReason = overrideTo("normal");
  noReason.reason_code = "";
  EXPECT_EQ(checkReview(noReason, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  ReviewInput unlisted = overrideTo("normal");
  unlisted.reason_code = "because";
  EXPECT_EQ(checkReview(unlisted, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  ReviewInput longNote = overrideTo("normal");
  longNote.reason_text = std::string(501, 'x');
  EXPECT_EQ(checkReview(longNote, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
  longNote.reason_text = std::string(500, 'x');
  EXPECT_EQ(checkReview(longNote, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Ok);
  ReviewInput twoLines = overrideTo("normal");
  twoLines.reason_text = "a\nb";
  EXPECT_EQ(checkReview(twoLines, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Refused);
}

TEST(ReviewRules, RetractedRecordCannotBeReviewed) {
  RecordFields r = highBili();
  r["status"] = "retracted";
  EXPECT_EQ(checkReview(ReviewInput{}, kMonitor, r, kReasons).verdict, ReviewVerdict::Refused);
}

TEST(ReviewRules, PatientDataLookalikesNeedConfirmation) {
  EXPECT_TRUE(looksLikePatientData("MRN 1234567"));  // 7 digits in a row
  EXPECT_TRUE(looksLikePatientData("born 1960-05-01"));
  EXPECT_TRUE(looksLikePatientData("dob 01/05/60"));
  EXPECT_TRUE(looksLikePatientData("dob 1.5.1960"));
  EXPECT_FALSE(looksLikePatientData("haemolysed, redrawn at W12"));
  EXPECT_FALSE(looksLikePatientData("value 12345"));  // 5 digits: a lab value, not an identifier
  EXPECT_FALSE(looksLikePatientData("ratio 1.5"));
  ReviewInput in = overrideTo("normal");
  in.reason_text = "patient born 1960-05-01";
  ReviewCheck c = checkReview(in, kMonitor, highBili(), kReasons);
  EXPECT_EQ(c.verdict, ReviewVerdict::NeedsConfirmation);
  EXPECT_NE(c.message.find("patient data"), std::string::npos);
  in.confirmed_no_patient_data = true;
  EXPECT_EQ(checkReview(in, kMonitor, highBili(), kReasons).verdict, ReviewVerdict::Ok);
}

TEST(ReviewRules, SignedOverrideEventCarriesSignerNameTimeAndMeaning) {
  ReviewInput in = overrideTo("normal");
  in.reason_text = "redrawn";
  in.meaning = "approved";
  audit::AuditEvent e = reviewEvent(in, kMonitor, highBili(), "rules-hash", "https://fhir.example/fhir");
  EXPECT_EQ(e.actor, "jsmith");
  EXPECT_EQ(e.action, "review_overridden");
  EXPECT_EQ(e.record_key, "ob1");
  EXPECT_EQ(e.source_ref, "Observation/ob1/_history/1");
  EXPECT_EQ(e.rule_version, "rules-hash");
  EXPECT_EQ(e.details.at("flag"), "high");  // the record's flag when reviewed
  EXPECT_EQ(e.details.at("override_flag"), "normal");
  EXPECT_EQ(e.details.at("reason"), "haemolysed sample: redrawn");
  EXPECT_EQ(e.details.at("reason_code"), "haemolysed sample");
  EXPECT_EQ(e.details.at("signer_login"), "jsmith");
  EXPECT_EQ(e.details.at("signer_name"), "J. Smith");
  EXPECT_EQ(e.details.at("signature_meaning"), "approved");
  EXPECT_EQ(e.details.count("password"), 0u);
  // A data manager's review carries no signature.
  audit::AuditEvent u = reviewEvent(ReviewInput{}, kDataManager, highBili(), "", "");
  EXPECT_EQ(u.action, "review_accepted");
  EXPECT_EQ(u.details.count("signer_name"), 0u);
}

audit::AuditEntry asEntry(const audit::AuditEvent& e, std::uint64_t seq) {
  audit::AuditEntry out;
  out.seq = seq;
  out.time = "2026-12-01T06:02:31.000Z";
  out.actor = e.actor;
  out.action = e.action;
  out.record_key = e.record_key;
  out.source_ref = e.source_ref;
  out.details = e.details;
  return out;
}

TEST(ReviewRules, ADataChangeVoidsTheSignatureAndReturnsTheRecordToTheQueue) {
  ReviewInput in;
  in.meaning = "reviewed";
  const auto signedEntry = asEntry(reviewEvent(in, kMonitor, highBili(), "", ""), 10);
  RecordFields r = highBili();
  EXPECT_EQ(reviewStatus({}, r).state, ReviewState::Unreviewed);
  EXPECT_TRUE(inQueue(r, reviewStatus({}, r)));
  EXPECT_EQ(reviewStatus({signedEntry}, r).state, ReviewState::Signed);
  EXPECT_FALSE(inQueue(r, reviewStatus({signedEntry}, r)));
  RecordFields newVersion = r;
  newVersion["observation"] = "Observation/ob1/_history/2";  // same values, new source version
  EXPECT_EQ(reviewStatus({signedEntry}, newVersion).state, ReviewState::Voided);
  EXPECT_TRUE(inQueue(newVersion, reviewStatus({signedEntry}, newVersion)));
  RecordFields regraded = r;
  regraded["ctcae_grade"] = "3";  // a re-evaluation with new mappings
  EXPECT_EQ(reviewStatus({signedEntry}, regraded).state, ReviewState::Voided);
  RecordFields revalued = r;
  revalued["value"] = "41.0000";
  EXPECT_EQ(reviewStatus({signedEntry}, revalued).state, ReviewState::Voided);
  // An unsigned review stays in the queue, waiting for a monitor's signature.
  const auto unsignedEntry = asEntry(reviewEvent(ReviewInput{}, kDataManager, highBili(), "", ""), 11);
  EXPECT_EQ(reviewStatus({signedEntry, unsignedEntry}, r).state, ReviewState::Reviewed);  // the latest counts
  EXPECT_TRUE(inQueue(r, reviewStatus({unsignedEntry}, r)));
}

TEST(ReviewRules, QueueHoldsSelectedFlaggedOrGradedRecordsOnly) {
  RecordFields r = highBili();
  EXPECT_TRUE(needsReview(r));
  r["selected"] = "false";
  EXPECT_FALSE(needsReview(r));
  r = highBili();
  r["flag"] = "normal";
  r["ctcae_grade"] = "0";
  EXPECT_FALSE(needsReview(r));
  r["ctcae_grade"] = "1";  // graded though within range (e.g. a baseline-relative grade)
  EXPECT_TRUE(needsReview(r));
  r["flag"] = "";
  r["ctcae_grade"] = "";
  EXPECT_FALSE(needsReview(r));
  r = highBili();
  r["status"] = "retracted";
  EXPECT_FALSE(needsReview(r));
}

TEST(ReviewRules, SignatureLineInTheSiteOffset) {
  ReviewInput in;
  in.meaning = "reviewed";
  auto e = asEntry(reviewEvent(in, kMonitor, highBili(), "", ""), 10);
  e.time = "2026-12-01T06:02:31.000Z";
  // 06:02 UTC + 8 h = 14:02 the same day.
  EXPECT_EQ(signatureLine(e, core::TimeZone::fixedOffset(8 * 60)),
            "Signed by J. Smith (jsmith), 2026-12-01 14:02 +08:00, meaning: reviewed");
  // 06:02 UTC - 7 h 30 = 22:32 the day before (month boundary: 1 Dec -> 30 Nov).
  EXPECT_EQ(siteTime(e.time, -(7 * 60 + 30)), "2026-11-30 22:32 -07:30");
  EXPECT_EQ(siteTime("2026-12-31T20:00:00.000Z", 5 * 60), "2027-01-01 01:00 +05:00");
  // A named zone takes its offset at that instant: New York is UTC-4 in July (daylight saving)
  // and UTC-5 in January, so 12:00Z is 08:00 and 07:00 local.
  const auto new_york = core::TimeZone::named("America/New_York");
  ASSERT_TRUE(new_york.zone) << new_york.problem;
  EXPECT_EQ(siteTime("2026-07-01T12:00:00.000Z", *new_york.zone), "2026-07-01 08:00 -04:00");
  EXPECT_EQ(siteTime("2026-01-15T12:00:00.000Z", *new_york.zone), "2026-01-15 07:00 -05:00");
}

}  // namespace
}  // namespace fa::console

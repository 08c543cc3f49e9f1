// The record page and the review / signing form behind it.
#include "audit/audit_query.h"
#include "console/console_internal.h"
#include "console/console_templates.h"

namespace fa::console {
namespace {

const RecordFields* findRecord(const Snapshot& s, const std::string& id) {
  for (const RecordFields& f : s.fields)
    if (observationId(field(f, "observation")) == id) return &f;
  return nullptr;
}

void setStatus(Data& d, const ReviewStatus& st, const core::TimeZone& offset) {
  if (!st.latest) return;
  const audit::AuditEntry& e = *st.latest;
  if (st.state == ReviewState::Signed) d.set("signature", signatureLine(e, offset));
  if (st.state == ReviewState::Voided) {
    d.set("voided", true);
    d.set("voided_time", siteTime(e.time, offset));
    d.set("voided_by", e.detail("signer_name").empty() ? e.actor : e.detail("signer_name") + " (" + e.actor + ")");
  }
  if (st.state == ReviewState::Reviewed)
    d.set("unsigned", "Reviewed by " + e.actor + ", " + siteTime(e.time, offset) + " (" +
                          (e.action == audit::kReviewOverridden ? "override to " + e.detail("override_flag") : "accepted") +
                          "): waiting for a monitor's signature.");
}

void setForm(Data& d, const Request& r, const ConsoleContext& ctx, const RecordFields& f, const ReviewFormState* state) {
  const bool canRev = canReview(r.account.role) && field(f, "status") != "retracted";
  if (!canRev) return;
  d.set("can_review", true);
  if (canSign(r.account.role)) {
    d.set("can_sign", true);
    d.set("signer", r.account.name + " (" + r.account.login + ")");
  }
  d.set("csrf", r.session.csrf);
  const ReviewInput in = state ? state->input : ReviewInput{};
  if (in.override_flag_given) d.set("overriding", true);
  Data flags{Data::type::list};
  for (const char* fl : {"low", "normal", "high", "indeterminate", "not_assessable"}) {
    if (fl == field(f, "flag")) continue;  // an override changes the flag
    Data o;
    o.set("code", std::string(fl));
    if (in.override_flag == fl) o.set("chosen", true);
    flags.push_back(o);
  }
  d.set("flags", flags);
  Data reasons{Data::type::list};
  for (const std::string& text : ctx.settings.override_reasons) {
    Data o;
    o.set("text", text);
    if (in.reason_code == text) o.set("chosen", true);
    reasons.push_back(o);
  }
  d.set("reasons", reasons);
  d.set("note", in.reason_text);
  if (state && !state->error.empty()) d.set("error", state->error);
  if (state && !state->warning.empty()) d.set("warning", state->warning);
}

Data versionsOf(const ConsoleContext& ctx, const std::string& id) {
  Data list{Data::type::list};
  for (const auto& v : sourceVersions(ctx, id)) {
    Data row;
    row.set("id", v.id);
    row.set("version", v.version_key);
    row.set("last_updated", v.last_updated.value_or(""));
    row.set("status", v.status);
    row.set("source", v.source);
    row.set("resource", v.resource);
    list.push_back(row);
  }
  return list;
}

Data trailOf(const Snapshot& s, const std::string& id) {
  Data list{Data::type::list};
  for (const auto& e : s.entries) {
    if (e.record_key != id) continue;
    Data row;
    row.set("seq", std::to_string(e.seq));
    row.set("time", e.time);
    row.set("actor", e.actor);
    row.set("action", e.action);
    row.set("source_ref", e.source_ref);
    row.set("details", detailsText(e));
    list.push_back(row);
  }
  return list;
}

}  // namespace

callback::ServerResponse recordPage(const ConsoleContext& ctx, const Request& r, const ReviewFormState* state, int status) {
  const std::string id = r.target.query.count("id") ? r.target.query.at("id") : "";
  const Snapshot s = loadSnapshot(ctx);
  const RecordFields* f = findRecord(s, id);
  if (!f) return message(&r, 404, "Not found", "No record for this Observation.");
  Data d;
  for (const auto& [k, v] : *f)
    if (!v.empty()) d.set(k, v);  // a mustache section is shown for any string, even an empty one
  d.set("id", id);
  d.set("subject", field(*f, "subject_id"));
  d.set("subject_q", queryEncode(field(*f, "subject_id")));
  d.set("grade", field(*f, "ctcae_grade"));
  setStatus(d, reviewStatus(reviewsOf(s, id), *f), ctx.site_zone);
  setForm(d, r, ctx, *f, state);
  d.set("versions", versionsOf(ctx, id));
  d.set("trail", trailOf(s, id));
  return page(&r, field(*f, "analyte") + " " + field(*f, "subject_id"), render(recordTemplate(), d), status);
}

namespace {

std::string formField(const Request& r, const char* name) {
  auto it = r.form.find(name);
  return it == r.form.end() ? "" : it->second;
}

ReviewInput inputOf(const Request& r) {
  ReviewInput in;
  in.override_flag_given = formField(r, "decision") == "override";
  if (in.override_flag_given) {
    in.override_flag = formField(r, "override_flag");
    in.reason_code = formField(r, "reason_code");
  } else if (!formField(r, "reason_code").empty()) {
    in.reason_code = formField(r, "reason_code");
  }
  in.reason_text = formField(r, "note");
  in.meaning = canSign(r.account.role) ? formField(r, "meaning") : "";
  if (canSign(r.account.role) && in.meaning.empty()) in.meaning = "reviewed";
  in.confirmed_no_patient_data = formField(r, "confirm_no_patient_data") == "yes";
  return in;
}

// The form shown again, with what was typed (escaped) and why it was not kept.
callback::ServerResponse again(const ConsoleContext& ctx, const Request& r, ReviewFormState state, int status) {
  Request shown{r.raw, Target{"/record", {{"id", formField(r, "id")}}, true}, r.token, r.session, r.account, {}};
  return recordPage(ctx, shown, &state, status);
}

}  // namespace

callback::ServerResponse reviewAction(ConsoleApp::Impl& app, const Request& r) {
  const ConsoleContext& ctx = app.ctx;
  if (!canReview(r.account.role)) return message(&r, 403, "Refused", "A viewer cannot record reviews.");
  const Snapshot s = loadSnapshot(ctx);
  const RecordFields* f = findRecord(s, formField(r, "id"));
  if (!f) return message(&r, 404, "Not found", "No record for this Observation.");
  ReviewFormState state{"", "", inputOf(r)};
  if (formField(r, "version") != field(*f, "observation")) {
    state.error = "The record changed while you looked at it (a new source version or a re-evaluation). Review it again.";
    return again(ctx, r, state, 409);
  }
  const ReviewCheck check =
      checkReview(state.input, Reviewer{r.account.login, r.account.name, r.account.role}, *f, ctx.settings.override_reasons);
  if (check.verdict == ReviewVerdict::Refused) {
    state.error = check.message;
    return again(ctx, r, state, 422);
  }
  if (check.verdict == ReviewVerdict::NeedsConfirmation) {
    state.warning = check.message;
    return again(ctx, r, state, 422);
  }
  if (!state.input.meaning.empty() && !verifyPassword(r.account.password_hash, formField(r, "password"))) {
    // A wrong signature password counts toward the account's lockout like a wrong sign-in.
    audit::AuditEvent e;
    e.actor = "fhir-adapter/console";
    e.action = "signature_failed";
    e.record_key = r.account.login;
    e.outcome = "minor_failure";
    e.details = {{"login", r.account.login}, {"reason", "wrong_password"}};
    writeAudit(ctx, e);
    if (app.guard.failed(r.account.login)) app.sessions.end(r.token);
    state.error = "Wrong password: the review was not signed.";
    return again(ctx, r, state, 401);
  }
  const Reviewer who{r.account.login, r.account.name, r.account.role};
  writeAudit(ctx, reviewEvent(state.input, who, *f, s.rules, ctx.base_url));
  return redirect("/record?id=" + queryEncode(formField(r, "id")));
}

}  // namespace fa::console

// The work queue, the subject page and the audit log page.
#include <algorithm>
#include <set>

#include "audit/audit_query.h"
#include "audit/audit_verify.h"
#include "console/console_chart.h"
#include "console/console_internal.h"
#include "console/console_templates.h"

namespace fa::console {

std::string field(const RecordFields& f, const char* name) {
  auto it = f.find(name);
  return it == f.end() ? std::string() : it->second;
}

Snapshot loadSnapshot(const ConsoleContext& ctx) {
  Snapshot s;
  std::error_code ec;
  if (std::filesystem::exists(ctx.store_path, ec)) {
    store::ObservationStore store(ctx.store_path.string(), store::SqliteDb::Mode::ReadOnly);
    store.forEachRecord([&s](const engine::OutcomeRecord& r) {
      s.records.push_back(r);
      s.fields.push_back(recordFields(r));
    });
    s.rules = store.meta("mappings_hash").value_or("");
  }
  if (std::filesystem::is_directory(ctx.audit.dir, ec))
    audit::readEntries(ctx.audit.dir, [&s](const audit::AuditEntry& e) { s.entries.push_back(e); });
  return s;
}

std::vector<store::ObservationVersion> sourceVersions(const ConsoleContext& ctx, const std::string& id) {
  std::vector<store::ObservationVersion> out;
  std::error_code ec;
  if (!std::filesystem::exists(ctx.store_path, ec)) return out;
  store::ObservationStore store(ctx.store_path.string(), store::SqliteDb::Mode::ReadOnly);
  store.forEachVersion([&](const store::ObservationVersion& v) {
    if (v.id == id) out.push_back(v);
  });
  return out;
}

std::vector<audit::AuditEntry> reviewsOf(const Snapshot& s, const std::string& record_key) {
  std::vector<audit::AuditEntry> out;
  for (const auto& e : s.entries)
    if (e.record_key == record_key && isReviewEntry(e)) out.push_back(e);
  return out;
}

std::string detailsText(const audit::AuditEntry& e) {
  std::string out;
  for (const auto& [k, v] : e.details) {
    if (k == "subject_id" || k == "analyte") continue;
    out += (out.empty() ? "" : "; ") + k + "=" + v;
  }
  return out;
}

namespace {

std::string q(const Request& r, const char* name) {
  auto it = r.target.query.find(name);
  return it == r.target.query.end() ? "" : it->second;
}

Data options(const std::set<std::string>& values, const std::string& chosen) {
  Data list{Data::type::list};
  for (const std::string& v : values) {
    Data o;
    o.set("code", v);
    if (v == chosen) o.set("chosen", true);
    list.push_back(o);
  }
  return list;
}

Data recordRow(const RecordFields& f, const ReviewStatus& st) {
  Data row;
  for (const char* k : {"subject_id", "analyte", "visit", "effective", "comparator", "value", "unit", "flag", "status",
                        "study_day", "ref_low", "ref_high", "selected"})
    row.set(k, field(f, k));
  row.set("subject", field(f, "subject_id"));
  row.set("subject_q", queryEncode(field(f, "subject_id")));
  row.set("grade", field(f, "ctcae_grade"));
  row.set("id_q", queryEncode(observationId(field(f, "observation"))));
  row.set("state", reviewStateName(st.state));
  return row;
}

// Newest first: collection date, then the observation reference (both descending).
bool newestFirst(const RecordFields* a, const RecordFields* b) {
  const std::string ea = field(*a, "effective"), eb = field(*b, "effective");
  if (ea != eb) return ea > eb;
  return field(*a, "observation") > field(*b, "observation");
}

}  // namespace

callback::ServerResponse queuePage(const ConsoleContext& ctx, const Request& r) {
  const Snapshot s = loadSnapshot(ctx);
  const std::string subject = q(r, "subject"), analyte = q(r, "analyte"), visit = q(r, "visit"), grade = q(r, "grade");
  std::set<std::string> analytes, visits, grades;
  std::vector<const RecordFields*> rows;
  std::map<const RecordFields*, ReviewStatus> states;
  for (const RecordFields& f : s.fields) {
    const ReviewStatus st = reviewStatus(reviewsOf(s, observationId(field(f, "observation"))), f);
    if (!inQueue(f, st)) continue;
    analytes.insert(field(f, "analyte"));
    visits.insert(field(f, "visit"));
    if (!field(f, "ctcae_grade").empty()) grades.insert(field(f, "ctcae_grade"));
    if ((!subject.empty() && field(f, "subject_id") != subject) || (!analyte.empty() && field(f, "analyte") != analyte) ||
        (!visit.empty() && field(f, "visit") != visit) || (!grade.empty() && field(f, "ctcae_grade") != grade))
      continue;
    rows.push_back(&f);
    states[&f] = st;
  }
  std::sort(rows.begin(), rows.end(), newestFirst);
  Data d;
  d.set("f_subject", subject);
  d.set("analytes", options(analytes, analyte));
  d.set("visits", options(visits, visit));
  d.set("grades", options(grades, grade));
  Data list{Data::type::list};
  for (const RecordFields* f : rows)
    list.push_back(recordRow(*f, states[f]));
  d.set("rows", list);
  d.set("count", std::to_string(rows.size()));
  return page(&r, "Work queue", render(queueTemplate(), d));
}

namespace {

std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Data chartsOf(const ConsoleContext& ctx, const std::vector<const RecordFields*>& records) {
  std::map<std::string, std::vector<const RecordFields*>> byAnalyte;
  for (const RecordFields* f : records)
    byAnalyte[field(*f, "analyte")].push_back(f);
  Data charts{Data::type::list};
  for (const auto& [analyte, list] : byAnalyte) {
    std::vector<ChartPoint> points;
    std::optional<double> lo, hi;
    std::string unit;
    for (const RecordFields* f : list) {
      auto v = number(field(*f, "value"));
      auto day = number(field(*f, "study_day"));
      if (!v || !day || field(*f, "status") == "retracted") continue;
      const std::string flag = field(*f, "flag");
      points.push_back({static_cast<int>(*day), *v, field(*f, "selected") == "true", field(*f, "baseline") == "true",
                        flag == "high" || flag == "low",
                        field(*f, "visit") + " " + field(*f, "effective") + ": " + field(*f, "comparator") + field(*f, "value") +
                            " " + field(*f, "unit") + " (" + flag + ")"});
      if (!lo) lo = number(field(*f, "ref_low"));
      if (!hi) hi = number(field(*f, "ref_high"));
      unit = field(*f, "unit");
    }
    if (points.empty()) continue;
    Data c;
    c.set("analyte", analyte);
    c.set("unit", unit);
    c.set("svg", analyteChart(analyte, points, lo, hi, ctx.visits));
    charts.push_back(c);
  }
  return charts;
}

}  // namespace

callback::ServerResponse subjectPage(const ConsoleContext& ctx, const Request& r) {
  const std::string subject = q(r, "id");
  const Snapshot s = loadSnapshot(ctx);
  std::vector<const RecordFields*> mine;
  for (const RecordFields& f : s.fields)
    if (field(f, "subject_id") == subject) mine.push_back(&f);
  if (mine.empty()) return message(&r, 404, "Not found", "No records for this subject.");
  Data d;
  d.set("subject", subject);
  d.set("subject_q", queryEncode(subject));
  d.set("charts", chartsOf(ctx, mine));
  Data rows{Data::type::list};
  for (const RecordFields* f : mine)
    rows.push_back(recordRow(*f, reviewStatus(reviewsOf(s, observationId(field(*f, "observation"))), *f)));
  d.set("rows", rows);
  return page(&r, "Subject " + subject, render(subjectTemplate(), d));
}

namespace {

constexpr std::size_t kAuditRows = 500;

Data auditRow(const audit::AuditEntry& e) {
  Data row;
  row.set("seq", std::to_string(e.seq));
  row.set("time", e.time);
  row.set("actor", e.actor);
  row.set("action", e.action);
  row.set("record", e.source_ref.empty() ? e.record_key : e.source_ref);
  row.set("subject", e.detail("subject_id"));
  row.set("analyte", e.detail("analyte"));
  row.set("outcome", e.outcome);
  row.set("details", detailsText(e));
  return row;
}

}  // namespace

callback::ServerResponse auditPage(const ConsoleContext& ctx, const Request& r, const std::string& verify, bool verified) {
  audit::EntryFilter filter{q(r, "subject"), q(r, "analyte"), q(r, "action"), q(r, "observation"), "", "", false};
  Data d;
  std::string error;
  for (auto [name, target] : {std::pair{"since", &filter.since}, std::pair{"until", &filter.until}}) {
    const std::string given = q(r, name);
    if (given.empty()) continue;
    if (auto bound = audit::parseTimeBound(given))
      *target = *bound;
    else
      error = std::string(name) + ": expected " + audit::kTimeBoundForm;
  }
  for (const char* k : {"subject", "analyte", "action", "observation", "since", "until"})
    d.set(std::string("f_") + k, q(r, k));
  std::vector<const audit::AuditEntry*> shown;
  const Snapshot s = loadSnapshot(ctx);
  if (error.empty())
    for (const auto& e : s.entries)
      if (filter.matches(e)) shown.push_back(&e);
  const std::size_t total = shown.size();
  std::reverse(shown.begin(), shown.end());  // newest first
  if (shown.size() > kAuditRows) shown.resize(kAuditRows);
  Data rows{Data::type::list};
  for (const auto* e : shown)
    rows.push_back(auditRow(*e));
  d.set("rows", rows);
  d.set("count", std::to_string(total));
  d.set("shown", std::to_string(shown.size()));
  if (total > shown.size()) d.set("truncated", true);
  if (!error.empty()) d.set("error", error);
  d.set("csrf", r.session.csrf);
  if (!verify.empty()) {
    d.set("verify", verify);
    d.set("verify_class", verified ? "verified" : "error");
  }
  return page(&r, "Audit log", render(auditTemplate(), d));
}

callback::ServerResponse verifyAction(const ConsoleContext& ctx, const Request& r) {
  audit::VerifyOptions o;
  o.dir = ctx.audit.dir;
  o.key = ctx.audit.key;
  if (ctx.audit.key_file) o.key = audit::loadKeyFile(ctx.audit.key_file->string());
  o.anchor = ctx.audit.anchor_path;
  const audit::VerifyReport report = audit::verifyLog(o);
  const std::string text = report.intact ? "audit log intact: " + report.summary() : "BROKEN: " + report.firstBad();
  Request shown{r.raw, Target{"/audit", {}, true}, r.token, r.session, r.account, {}};
  return auditPage(ctx, shown, text, report.intact);
}

}  // namespace fa::console

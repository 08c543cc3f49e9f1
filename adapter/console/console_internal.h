#pragma once
// Shared by the console's .cpp files: the request being answered and the page helpers.
#include <kainjow/mustache.hpp>

#include <optional>
#include <string>
#include <vector>

#include "audit/audit_entry.h"
#include "console/accounts.h"
#include "console/console_app.h"
#include "console/http_form.h"
#include "console/record_fields.h"
#include "console/review_rules.h"
#include "engine/outcome_record.h"
#include "store/observation_store.h"

namespace fa::console {

using Mustache = kainjow::mustache::mustache;
using Data = kainjow::mustache::data;

struct ConsoleApp::Impl {
  ConsoleContext ctx;
  SessionStore sessions;
  LoginGuard guard;
  explicit Impl(ConsoleContext c)
      : ctx(std::move(c)), sessions(ctx.settings.sessions, ctx.now), guard(ctx.settings.logins, ctx.now) {}
};

// A signed-in request.
struct Request {
  const callback::ServerRequest& raw;
  Target target;
  std::string token;  // the session cookie
  Session session;
  Account account;
  Form form;  // POST body
};

// What the pages read: the stored records and the audit log, as they are now.
struct Snapshot {
  std::vector<engine::OutcomeRecord> records;
  std::vector<RecordFields> fields;  // the same order
  std::vector<audit::AuditEntry> entries;
  std::string rules;  // the mappings hash of the records
};
Snapshot loadSnapshot(const ConsoleContext& ctx);
std::vector<store::ObservationVersion> sourceVersions(const ConsoleContext& ctx, const std::string& id);
// Review entries of one record, in log order.
std::vector<audit::AuditEntry> reviewsOf(const Snapshot& s, const std::string& record_key);

// Writes one audit entry (committed); throws audit::AuditError.
std::uint64_t writeAudit(const ConsoleContext& ctx, const audit::AuditEvent& e);

std::string render(const std::string& tmpl, const Data& data);
callback::ServerResponse page(const Request* r, const std::string& title, const std::string& body, int status = 200);
callback::ServerResponse redirect(const std::string& location);
callback::ServerResponse message(const Request* r, int status, const std::string& heading, const std::string& text,
                                 const std::string& link = "/", const std::string& link_text = "Back to the work queue");

// Pages (console_pages.cpp, console_record.cpp).
callback::ServerResponse queuePage(const ConsoleContext& ctx, const Request& r);
callback::ServerResponse subjectPage(const ConsoleContext& ctx, const Request& r);
struct ReviewFormState {
  std::string error, warning;
  ReviewInput input;
};
callback::ServerResponse recordPage(const ConsoleContext& ctx, const Request& r, const ReviewFormState* state = nullptr,
                                    int status = 200);
callback::ServerResponse auditPage(const ConsoleContext& ctx, const Request& r, const std::string& verify = "",
                                   bool verified = false);
callback::ServerResponse verifyAction(const ConsoleContext& ctx, const Request& r);
callback::ServerResponse reviewAction(ConsoleApp::Impl& app, const Request& r);

std::string detailsText(const audit::AuditEntry& e);
std::string field(const RecordFields& f, const char* name);

}  // namespace fa::console

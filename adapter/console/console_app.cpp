#include "console/console_app.h"

#include "console/accounts_file.h"
#include "console/console_internal.h"
#include "console/console_templates.h"

namespace fa::console {
namespace {

// A real hash to compare with when the login is unknown, so both cases take the same time.
const std::string& dummyHash() {
  static const std::string h = hashPassword("no account has this password");
  return h;
}

std::string method(const callback::ServerRequest& r) {
  return r.method;
}

std::string header(const callback::ServerRequest& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

audit::AuditEvent loginEvent(const std::string& action, const std::string& login, const std::string& outcome,
                             const std::string& reason = "") {
  audit::AuditEvent e;
  e.actor = "fhir-adapter/console";
  e.action = action;
  e.record_key = login;
  e.outcome = outcome;
  e.details["login"] = login;
  if (!reason.empty()) e.details["reason"] = reason;
  return e;
}

}  // namespace

net::Headers securityHeaders() {
  return {{"content-security-policy",
           "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
          {"x-content-type-options", "nosniff"},
          {"referrer-policy", "no-referrer"},
          {"cache-control", "no-store"},
          {"x-frame-options", "DENY"},
          {"strict-transport-security", "max-age=31536000"},
          {"cross-origin-opener-policy", "same-origin"}};
}

std::string render(const std::string& tmpl, const Data& data) {
  Mustache m{tmpl};
  return m.render(data);
}

callback::ServerResponse page(const Request* r, const std::string& title, const std::string& body, int status) {
  Data d;
  d.set("title", title);
  d.set("body", body);
  if (r) {
    Data user;
    user.set("name", r->account.name);
    user.set("login", r->account.login);
    user.set("role", roleName(r->account.role));
    user.set("csrf", r->session.csrf);
    d.set("user", user);
  }
  callback::ServerResponse res{status, "text/html; charset=utf-8", render(layoutTemplate(), d), securityHeaders()};
  return res;
}

callback::ServerResponse redirect(const std::string& location) {
  callback::ServerResponse res{303, "text/plain; charset=utf-8", "See " + location + "\n", securityHeaders()};
  res.headers["location"] = location;
  return res;
}

callback::ServerResponse message(const Request* r, int status, const std::string& heading, const std::string& text,
                                 const std::string& link, const std::string& link_text) {
  Data d;
  d.set("heading", heading);
  d.set("message", text);
  d.set("link", link);
  d.set("link_text", link_text);
  return page(r, heading, render(messageTemplate(), d), status);
}

std::uint64_t writeAudit(const ConsoleContext& ctx, const audit::AuditEvent& e) {
  if (ctx.log) {
    const std::uint64_t seq = ctx.log->append(e);
    ctx.log->commit();
    return seq;
  }
  auto settings = ctx.audit;
  settings.actor = "fhir-adapter/console";
  auto log = audit::AuditLog::open(settings);
  const std::uint64_t seq = log->append(e);
  log->close();
  return seq;
}

ConsoleApp::ConsoleApp(ConsoleContext ctx) : impl_(std::make_unique<Impl>(std::move(ctx))) {}
ConsoleApp::~ConsoleApp() = default;

namespace {

callback::ServerResponse loginForm(ConsoleApp::Impl& app, const callback::ServerRequest& raw, const std::string& error,
                                   int status = 200) {
  std::string token = cookieValue(header(raw, "cookie"), SessionStore::kCookieName);
  auto session = app.sessions.find(token);
  if (!session || !session->login.empty()) {  // a fresh anonymous session for the form's CSRF token
    token = app.sessions.create("");
    session = app.sessions.find(token);
  }
  Data d;
  d.set("csrf", session->csrf);
  if (!error.empty()) d.set("error", error);
  auto res = page(nullptr, "Sign in", render(loginTemplate(), d), status);
  res.headers["set-cookie"] = SessionStore::cookie(token);
  return res;
}

// Checks the password; every failure is audited (the login only, never the password).
callback::ServerResponse loginSubmit(ConsoleApp::Impl& app, const callback::ServerRequest& raw, const Form& form) {
  const std::string token = cookieValue(header(raw, "cookie"), SessionStore::kCookieName);
  auto anon = app.sessions.find(token);
  auto csrf = form.find("csrf");
  if (!anon || csrf == form.end() || !sameToken(csrf->second, anon->csrf))
    return loginForm(app, raw, "The form expired. Please sign in again.", 403);
  const std::string login = form.count("login") ? form.at("login") : "";
  const std::string password = form.count("password") ? form.at("password") : "";
  const std::string who = loginProblem(login).empty() ? login : "(invalid login)";
  const LoginGate gate = app.guard.admit(who);
  if (gate != LoginGate::Open) {
    writeAudit(app.ctx, loginEvent("login_failed", who, "minor_failure", gate == LoginGate::Locked ? "locked" : "rate_limited"));
    return loginForm(app, raw,
                     gate == LoginGate::Locked ? "This account is locked for a while after repeated failures."
                                               : "Too many sign-in attempts. Wait a minute and try again.",
                     429);
  }
  const auto accounts = loadAccounts(app.ctx.settings.users_file);
  const Account* a = findAccount(accounts, login);
  const bool match = verifyPassword(a ? a->password_hash : dummyHash(), password);
  if (!a || !match || a->disabled) {
    writeAudit(app.ctx, loginEvent("login_failed", who, "minor_failure",
                                   !a       ? "unknown_login"
                                   : !match ? "wrong_password"
                                            : "disabled"));
    if (app.guard.failed(who)) writeAudit(app.ctx, loginEvent("account_locked", who, "serious_failure", "repeated_failures"));
    return loginForm(app, raw, "Wrong login or password.", 401);
  }
  app.guard.succeeded(who);
  app.sessions.end(token);
  const std::string fresh = app.sessions.create(login);
  writeAudit(app.ctx, loginEvent("login_succeeded", login, "success"));
  auto res = redirect("/");
  res.headers["set-cookie"] = SessionStore::cookie(fresh);
  return res;
}

// The signed-in session and its account, or why not.
std::optional<Request> signedIn(ConsoleApp::Impl& app, const callback::ServerRequest& raw, Target target) {
  Request r{raw, std::move(target), cookieValue(header(raw, "cookie"), SessionStore::kCookieName), {}, {}, {}};
  auto session = app.sessions.find(r.token);
  if (!session || session->login.empty()) return std::nullopt;
  const auto accounts = loadAccounts(app.ctx.settings.users_file);
  const Account* a = findAccount(accounts, session->login);
  if (!a || a->disabled) {  // disabled since: the session ends now
    app.sessions.end(r.token);
    return std::nullopt;
  }
  r.session = *session;
  r.account = *a;
  return r;
}

callback::ServerResponse routeGet(ConsoleApp::Impl& app, const Request& r) {
  const std::string& path = r.target.path;
  if (path == "/") return queuePage(app.ctx, r);
  if (path == "/subject") return subjectPage(app.ctx, r);
  if (path == "/record") return recordPage(app.ctx, r);
  if (path == "/audit") return auditPage(app.ctx, r);
  return message(&r, 404, "Not found", "There is no such page.");
}

callback::ServerResponse routePost(ConsoleApp::Impl& app, Request& r) {
  auto csrf = r.form.find("csrf");
  if (csrf == r.form.end() || !sameToken(csrf->second, r.session.csrf))
    return message(&r, 403, "Refused", "This form does not belong to your session (CSRF check). Reload the page and try again.");
  const std::string& path = r.target.path;
  if (path == "/logout") {
    app.sessions.end(r.token);
    writeAudit(app.ctx, loginEvent("logout", r.account.login, "success"));
    auto res = redirect("/login");
    res.headers["set-cookie"] = SessionStore::expiredCookie();
    return res;
  }
  if (path == "/review") return reviewAction(app, r);
  if (path == "/audit/verify") return verifyAction(app.ctx, r);
  return message(&r, 404, "Not found", "There is no such form.");
}

callback::ServerResponse dispatch(ConsoleApp::Impl& app, const callback::ServerRequest& raw) {
  Target target = parseTarget(raw.target);
  const std::string m = method(raw);
  if (m != "GET" && m != "POST") {
    auto res = message(nullptr, 405, "Method not allowed", "Only GET and POST are used here.");
    res.headers["allow"] = "GET, POST";
    return res;
  }
  if (!target.ok) return message(nullptr, 400, "Bad request", "The address is malformed or too long.");
  if (m == "GET" && target.path == "/static/console.css")
    return {200, "text/css; charset=utf-8", styleSheet(), securityHeaders()};
  std::optional<Form> form;
  if (m == "POST") {
    form = parseForm(raw.body);
    if (!form) return message(nullptr, 413, "Form too large", "The form is malformed or exceeds the size limits.");
  }
  if (target.path == "/login") return m == "GET" ? loginForm(app, raw, "") : loginSubmit(app, raw, *form);
  auto r = signedIn(app, raw, std::move(target));
  if (!r) {
    if (m == "GET") return redirect("/login");
    return message(nullptr, 403, "Refused", "Sign in first.", "/login", "Sign in");
  }
  if (m == "GET") return routeGet(app, *r);
  r->form = std::move(*form);
  return routePost(app, *r);
}

}  // namespace

callback::ServerResponse ConsoleApp::handle(const callback::ServerRequest& request) {
  try {
    return dispatch(*impl_, request);
  } catch (const std::exception& e) {
    // To the daemon's log (the text names a file or a store problem, never request data).
    if (impl_->ctx.on_error) impl_->ctx.on_error(e.what());
    return message(nullptr, 500, "Internal error", "The console could not answer this request; see the daemon's log.");
  }
}

}  // namespace fa::console

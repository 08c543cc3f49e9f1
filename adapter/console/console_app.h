#pragma once
// ConsoleApp: the review console's pages and forms, one request at a time (no sockets here:
// console_server.h serves it over HTTPS; tests call handle() directly).
//
//   GET  /login, POST /login, POST /logout      sessions (sessions.h), throttled (login_guard.h)
//   GET  /                                      the work queue (?subject=&analyte=&visit=&grade=)
//   GET  /subject?id=S01                        charts over study weeks and the records table
//   GET  /record?id=OBS                         mapping steps, source versions, audit trail, review form
//   POST /review                                accept / override, signed by a monitor
//   GET  /audit?subject=&analyte=&action=&observation=&since=&until=, POST /audit/verify
//   GET  /static/console.css
//
// Every answer carries the security headers (securityHeaders()); every page but the login page
// needs a signed-in session of an active account; every POST needs the session's CSRF token.
// Reads the store read-only and the audit log; writes only audit entries.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "callback/callback_server.h"
#include "console/console_settings.h"
#include "console/login_guard.h"
#include "console/sessions.h"
#include "core/study_time.h"
#include "core/time_zone.h"
#include "net/http_types.h"

namespace fa::console {

struct ConsoleContext {
  ConsoleSettings settings;
  std::filesystem::path store_path;
  audit::AuditSettings audit;      // dir, key, anchor: for reading, verifying and writing
  audit::AuditLog* log = nullptr;  // the daemon's log (thread-safe); null: opened for each write
  std::string base_url;            // [fhir] base_url, the source_server of review entries
  core::TimeZone site_zone;        // the site's zone (trial.json), for signature times
  std::vector<core::VisitWindow> visits;
  SteadyNow now = [] { return std::chrono::steady_clock::now(); };
  std::function<void(const std::string&)> on_error;  // an unexpected failure, for the daemon's log
};

// The headers every response carries.
net::Headers securityHeaders();

class ConsoleApp {
 public:
  explicit ConsoleApp(ConsoleContext ctx);
  ~ConsoleApp();
  callback::ServerResponse handle(const callback::ServerRequest& request);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fa::console

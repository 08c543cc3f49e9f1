#pragma once
// DaemonConfig: the TOML configuration file (docs/contract.md keys plus the daemon's own),
// checked completely at start-up into an immutable value. Each part IS the settings value of
// the component that uses it (config.sync is the poller's sync::SyncSettings, config.audit the
// audit log's audit::AuditSettings, ...): no copies field by field. Relative paths are relative
// to the file's folder. Secrets are read from files or environment variables named here, never
// taken from the command line, and never printed.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "bulk/bulk_settings.h"
#include "callback/callback_server.h"
#include "console/console_settings.h"
#include "net/auth.h"
#include "net/fhir_client.h"
#include "net/http_client.h"
#include "sync/poller.h"

namespace fa::daemon {

struct HostPort {
  std::string host;
  unsigned short port = 0;
};

// [fhir]: how to reach and authenticate to the server (its search keys are in DaemonConfig::sync).
struct FhirSettings {
  std::string base_url;       // without a trailing slash
  std::string auth = "none";  // none | basic | bearer | smart-backend
  std::string username;
  std::string password;          // from password_file / password_env
  std::string bearer_token;      // from token_file / token_env
  net::SmartSettings smart;      // smart-backend: client_id, private_key_file, key_id, token_url, scope
  net::HttpClientSettings http;  // timeouts, max_response_mb, CA and client certificate files
  net::RetryPolicy retry;        // max_attempts
};

// [trial]
struct TrialFiles {
  std::filesystem::path mappings, subjects;
};

// [store]
struct StoreSettings {
  std::filesystem::path path;
};

// [http]: the health and metrics listener.
struct HttpSettings {
  HostPort listen{"127.0.0.1", 9464};
  std::chrono::seconds ready_max_age{0};  // after loading: never 0 (default three sync intervals + 60 s)
};

// [sync] interval_seconds and rescan_hours: when the daemon polls.
struct PollSchedule {
  std::chrono::seconds interval{300};
  std::chrono::hours rescan_interval{24};
};

// [callback]: the push receiver (present = enabled).
struct CallbackSettings {
  bool enabled = false;
  callback::CallbackServerSettings server;  // listen, cert, key, client_ca_file, limits and timeouts
  std::string path = "/notify";
  std::filesystem::path bearer_token_file, hmac_secret_file;
  std::string public_url;                 // the URL the FHIR server calls (subscription register); "" = unset
  std::string payload = "full-resource";  // full-resource | id-only | empty (subscription register)
  std::size_t max_batch = 256;            // notifications per commit / processing slice
};

// [log]
struct LogSettings {
  std::string level = "info";
};

struct DaemonConfig {
  std::filesystem::path file;
  FhirSettings fhir;
  sync::SyncSettings sync;  // [fhir] page_size, per_patient, category; [sync] overlap_seconds, lag_seconds
  PollSchedule schedule;
  TrialFiles trial;
  StoreSettings store;
  audit::AuditSettings audit;  // [audit] dir, key_file, max_segment_mb, checkpoint_seconds, anchor_path
  HttpSettings http;
  CallbackSettings callback;
  LogSettings log;
  console::ConsoleSettings review;  // [review]: the review console
  bulk::BulkSettings bulk;          // [bulk] level, group_id, first_load (absent: paged search only)
};

class DaemonConfigError : public std::runtime_error {
 public:
  explicit DaemonConfigError(std::vector<std::string> problems)
      : std::runtime_error(problems.empty() ? "invalid configuration" : problems.front()), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Reads and checks the file; throws DaemonConfigError listing every problem found.
DaemonConfig loadDaemonConfig(const std::filesystem::path& file);

std::optional<HostPort> parseHostPort(const std::string& text);

// A secret file's content, trailing newline stripped; nullopt when no file is configured.
// Throws std::runtime_error naming the file (never its content) when it cannot be read or is
// empty. `what` says which secret ("callback bearer token").
std::optional<std::string> readSecretFile(const std::filesystem::path& file, const char* what);

}  // namespace fa::daemon

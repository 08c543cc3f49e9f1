#pragma once
// DaemonConfig: the TOML configuration file (CONTRACT.md keys plus the daemon's own), checked
// completely at start-up into an immutable value. Relative paths are relative to the file's
// folder. Secrets are read from files or environment variables named here, never taken from
// the command line, and never printed.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fa::daemon {

struct HostPort {
  std::string host;
  unsigned short port = 0;
};

struct DaemonConfig {
  std::filesystem::path file;

  // [fhir]
  std::string base_url;
  std::string auth = "none";  // none | basic | bearer | smart-backend
  std::string username;
  std::string password;      // from password_file / password_env
  std::string bearer_token;  // from token_file / token_env
  std::string smart_client_id, smart_private_key_file, smart_key_id, smart_token_url, smart_scope = "system/Observation.rs";
  std::string ca_file, ca_dir, client_cert_file, client_key_file;
  std::chrono::seconds connect_timeout{10}, read_timeout{30}, request_timeout{120};
  std::size_t max_response_bytes = 64u << 20;
  int max_attempts = 6;
  int page_size = 100;
  bool per_patient = false;
  std::string category;

  // [trial]
  std::filesystem::path mappings, subjects;
  // [store] [audit]
  std::filesystem::path store_path, audit_dir;
  std::filesystem::path audit_key_file;  // [audit] key_file; empty: hash-only checkpoints
  std::uint64_t audit_max_segment_bytes = 64ull << 20;
  std::chrono::seconds audit_checkpoint_interval{300};
  std::filesystem::path audit_anchor_path;  // [audit] anchor_path; empty: none
  // [http]
  HostPort http_listen{"127.0.0.1", 9464};
  std::chrono::seconds ready_max_age{0};  // 0 = three sync intervals
  // [sync]
  std::chrono::seconds interval{300}, overlap{300}, lag{5};
  std::chrono::hours rescan_interval{24};
  // [callback]
  bool callback_enabled = false;
  HostPort callback_listen{"0.0.0.0", 8443};
  std::string callback_path = "/notify";
  std::filesystem::path callback_cert, callback_key, callback_bearer_token_file, callback_hmac_secret_file;
  std::filesystem::path callback_client_ca_file;   // mTLS: callers must show a certificate from this CA
  std::string callback_public_url;                 // the URL the FHIR server calls (subscription register); "" = unset
  std::string callback_payload = "full-resource";  // full-resource | id-only | empty (subscription register)
  std::size_t callback_max_body_bytes = 1u << 20;  // max_body_kb
  std::chrono::seconds callback_read_timeout{10};  // headers, then body (and handshake, write)
  std::chrono::seconds callback_idle_timeout{60};  // keep-alive between requests
  std::size_t callback_max_connections = 256;
  int callback_threads = 2;
  std::size_t callback_max_batch = 256;  // notifications per commit / processing slice
  // [log]
  std::string log_level = "info";
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

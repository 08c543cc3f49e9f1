#include "daemon/daemon_config.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace fa::daemon {
namespace {

// Every key the file may hold; anything else is a typo worth reporting at start-up.
const std::map<std::string, std::set<std::string>>& knownKeys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"fhir",
       {"base_url",
        "auth",
        "username",
        "password_file",
        "password_env",
        "token_file",
        "token_env",
        "client_id",
        "private_key_file",
        "key_id",
        "token_url",
        "scope",
        "ca_file",
        "ca_dir",
        "client_cert",
        "client_key",
        "connect_timeout_seconds",
        "read_timeout_seconds",
        "request_timeout_seconds",
        "max_response_mb",
        "max_attempts",
        "page_size",
        "per_patient",
        "category"}},
      {"trial", {"mappings", "subjects"}},
      {"store", {"path"}},
      {"audit", {"dir", "key_file", "max_segment_mb", "checkpoint_seconds", "anchor_path"}},
      {"http", {"listen", "ready_max_age_seconds"}},
      {"sync", {"interval_seconds", "overlap_seconds", "lag_seconds", "rescan_hours"}},
      {"callback",
       {"listen", "path", "cert", "key", "bearer_token_file", "hmac_secret_file", "client_ca_file", "max_body_kb",
        "read_timeout_seconds", "idle_timeout_seconds", "max_connections", "threads", "public_url", "payload"}},
      {"log", {"level"}},
  };
  return keys;
}

class Reader {
 public:
  Reader(const toml::table& root, std::filesystem::path file) : root_(root), file_(std::move(file)), dir_(file_.parent_path()) {}

  void problem(const std::string& where, const std::string& what) {
    problems_.push_back(file_.string() + ": " + where + ": " + what);
  }
  std::vector<std::string>& problems() { return problems_; }

  std::optional<std::string> text(const std::string& section, const std::string& key, bool required = false) {
    auto node = root_[section][key];
    if (!node) {
      if (required) problem("[" + section + "] " + key, "is required");
      return std::nullopt;
    }
    if (auto v = node.value<std::string>()) return *v;
    problem("[" + section + "] " + key, "must be a string");
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const std::string& section, const std::string& key, std::int64_t min, std::int64_t max) {
    auto node = root_[section][key];
    if (!node) return std::nullopt;
    auto v = node.value<std::int64_t>();
    if (!v || !node.is_integer()) {
      problem("[" + section + "] " + key, "must be an integer");
      return std::nullopt;
    }
    if (*v < min || *v > max) {
      problem("[" + section + "] " + key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const std::string& section, const std::string& key) {
    auto node = root_[section][key];
    if (!node) return std::nullopt;
    if (!node.is_boolean()) {
      problem("[" + section + "] " + key, "must be true or false");
      return std::nullopt;
    }
    return node.value<bool>();
  }

  std::filesystem::path path(const std::string& value) const {
    std::filesystem::path p(value);
    return p.is_absolute() ? p : dir_ / p;
  }

  // A secret from a file (trailing newline stripped) or an environment variable.
  std::string secret(const std::string& section, const std::string& file_key, const std::string& env_key, const char* what) {
    auto file = text(section, file_key);
    auto env = text(section, env_key);
    if (file) {
      try {
        return readSecretFile(path(*file), what).value_or("");
      } catch (const std::runtime_error& e) {
        problem("[" + section + "] " + file_key, e.what());
        return "";
      }
    }
    if (env) {
      const char* v = std::getenv(env->c_str());
      if (!v || !*v) problem("[" + section + "] " + env_key, "environment variable " + *env + " is not set");
      return v ? v : "";
    }
    problem("[" + section + "] " + file_key, std::string("the ") + what + " must come from " + file_key + " or " + env_key);
    return "";
  }

  void mustExist(const std::string& where, const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) problem(where, p.string() + " does not exist");
  }

 private:
  const toml::table& root_;
  std::filesystem::path file_;
  std::filesystem::path dir_;
  std::vector<std::string> problems_;
};

}  // namespace

std::optional<std::string> readSecretFile(const std::filesystem::path& file, const char* what) {
  if (file.empty()) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read the ") + what + " file " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  if (s.empty()) throw std::runtime_error(std::string("the ") + what + " file " + file.string() + " is empty");
  return s;
}

std::optional<HostPort> parseHostPort(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']') hp.host = hp.host.substr(1, hp.host.size() - 2);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int value = std::stoi(port);
  if (value > 65535) return std::nullopt;
  hp.port = static_cast<unsigned short>(value);
  return hp;
}

DaemonConfig loadDaemonConfig(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << "line " << e.source().begin.line << " column " << e.source().begin.column;
    throw DaemonConfigError({file.string() + ": " + where.str() + ": " + std::string(e.description())});
  }
  DaemonConfig c;
  c.file = file;
  Reader r(root, file);

  for (auto&& [section, node] : root) {
    const std::string name(section.str());
    auto known = knownKeys().find(name);
    if (known == knownKeys().end()) {
      r.problem("[" + name + "]", "unknown section");
      continue;
    }
    if (!node.is_table()) {
      r.problem("[" + name + "]", "must be a table");
      continue;
    }
    for (auto&& [key, value] : *node.as_table()) {
      if (!known->second.count(std::string(key.str()))) r.problem("[" + name + "] " + std::string(key.str()), "unknown key");
    }
  }

  if (auto v = r.text("fhir", "base_url", true)) {
    c.base_url = *v;
    while (!c.base_url.empty() && c.base_url.back() == '/')
      c.base_url.pop_back();
    if (c.base_url.rfind("http://", 0) != 0 && c.base_url.rfind("https://", 0) != 0)
      r.problem("[fhir] base_url", "must be an http:// or https:// URL");
  }
  if (auto v = r.text("fhir", "auth")) c.auth = *v;
  if (c.auth == "basic") {
    if (auto u = r.text("fhir", "username", true)) c.username = *u;
    c.password = r.secret("fhir", "password_file", "password_env", "password");
  } else if (c.auth == "bearer") {
    c.bearer_token = r.secret("fhir", "token_file", "token_env", "token");
  } else if (c.auth == "smart-backend") {
    if (auto v = r.text("fhir", "client_id", true)) c.smart_client_id = *v;
    if (auto v = r.text("fhir", "private_key_file", true)) {
      c.smart_private_key_file = r.path(*v).string();
      r.mustExist("[fhir] private_key_file", c.smart_private_key_file);
    }
    if (auto v = r.text("fhir", "key_id", true)) c.smart_key_id = *v;
    if (auto v = r.text("fhir", "token_url")) c.smart_token_url = *v;
    if (auto v = r.text("fhir", "scope")) c.smart_scope = *v;
  } else if (c.auth != "none") {
    r.problem("[fhir] auth", "must be none, basic, bearer or smart-backend");
  }
  if (auto v = r.text("fhir", "ca_file")) {
    c.ca_file = r.path(*v).string();
    r.mustExist("[fhir] ca_file", c.ca_file);
  }
  if (auto v = r.text("fhir", "ca_dir")) {
    c.ca_dir = r.path(*v).string();
    r.mustExist("[fhir] ca_dir", c.ca_dir);
  }
  auto cert = r.text("fhir", "client_cert");
  auto key = r.text("fhir", "client_key");
  if (cert.has_value() != key.has_value()) r.problem("[fhir] client_cert", "client_cert and client_key go together");
  if (cert && key) {
    c.client_cert_file = r.path(*cert).string();
    c.client_key_file = r.path(*key).string();
    r.mustExist("[fhir] client_cert", c.client_cert_file);
    r.mustExist("[fhir] client_key", c.client_key_file);
  }
  if (auto v = r.integer("fhir", "connect_timeout_seconds", 1, 600)) c.connect_timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("fhir", "read_timeout_seconds", 1, 3600)) c.read_timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("fhir", "request_timeout_seconds", 1, 7200)) c.request_timeout = std::chrono::seconds(*v);
  if (auto v = r.integer("fhir", "max_response_mb", 1, 4096)) c.max_response_bytes = static_cast<std::size_t>(*v) << 20;
  if (auto v = r.integer("fhir", "max_attempts", 1, 20)) c.max_attempts = static_cast<int>(*v);
  if (auto v = r.integer("fhir", "page_size", 1, 1000)) c.page_size = static_cast<int>(*v);
  if (auto v = r.boolean("fhir", "per_patient")) c.per_patient = *v;
  if (auto v = r.text("fhir", "category")) c.category = *v;

  if (auto v = r.text("trial", "mappings", true)) {
    c.mappings = r.path(*v);
    r.mustExist("[trial] mappings", c.mappings);
  }
  if (auto v = r.text("trial", "subjects", true)) {
    c.subjects = r.path(*v);
    r.mustExist("[trial] subjects", c.subjects);
  }
  if (auto v = r.text("store", "path", true)) c.store_path = r.path(*v);
  if (auto v = r.text("audit", "dir", true)) c.audit_dir = r.path(*v);
  if (auto v = r.text("audit", "key_file")) {
    c.audit_key_file = r.path(*v);
    r.mustExist("[audit] key_file", c.audit_key_file);
  }
  if (auto v = r.integer("audit", "max_segment_mb", 1, 4096)) c.audit_max_segment_bytes = static_cast<std::uint64_t>(*v) << 20;
  if (auto v = r.integer("audit", "checkpoint_seconds", 1, 86400)) c.audit_checkpoint_interval = std::chrono::seconds(*v);
  if (auto v = r.text("audit", "anchor_path")) c.audit_anchor_path = r.path(*v);

  if (auto v = r.text("http", "listen")) {
    if (auto hp = parseHostPort(*v))
      c.http_listen = *hp;
    else
      r.problem("[http] listen", "must be HOST:PORT (port 0 picks a free port)");
  }
  if (auto v = r.integer("http", "ready_max_age_seconds", 1, 7 * 86400)) c.ready_max_age = std::chrono::seconds(*v);
  if (auto v = r.integer("sync", "interval_seconds", 1, 86400)) c.interval = std::chrono::seconds(*v);
  if (auto v = r.integer("sync", "overlap_seconds", 0, 86400)) c.overlap = std::chrono::seconds(*v);
  if (auto v = r.integer("sync", "lag_seconds", 0, 3600)) c.lag = std::chrono::seconds(*v);
  if (auto v = r.integer("sync", "rescan_hours", 1, 24 * 30)) c.rescan_interval = std::chrono::hours(*v);
  if (c.ready_max_age.count() == 0) c.ready_max_age = c.interval * 3 + std::chrono::seconds(60);

  if (root["callback"]) {
    c.callback_enabled = true;
    if (auto v = r.text("callback", "listen")) {
      if (auto hp = parseHostPort(*v))
        c.callback_listen = *hp;
      else
        r.problem("[callback] listen", "must be HOST:PORT");
    }
    if (auto v = r.text("callback", "path")) {
      c.callback_path = *v;
      if (c.callback_path.empty() || c.callback_path.front() != '/') r.problem("[callback] path", "must start with /");
    }
    if (auto v = r.text("callback", "cert", true)) {
      c.callback_cert = r.path(*v);
      r.mustExist("[callback] cert", c.callback_cert);
    }
    if (auto v = r.text("callback", "key", true)) {
      c.callback_key = r.path(*v);
      r.mustExist("[callback] key", c.callback_key);
    }
    if (auto v = r.text("callback", "bearer_token_file")) {
      c.callback_bearer_token_file = r.path(*v);
      r.mustExist("[callback] bearer_token_file", c.callback_bearer_token_file);
    }
    if (auto v = r.text("callback", "hmac_secret_file")) {
      c.callback_hmac_secret_file = r.path(*v);
      r.mustExist("[callback] hmac_secret_file", c.callback_hmac_secret_file);
    }
    if (auto v = r.text("callback", "client_ca_file")) {
      c.callback_client_ca_file = r.path(*v);
      r.mustExist("[callback] client_ca_file", c.callback_client_ca_file);
    }
    if (auto v = r.text("callback", "public_url")) {
      // What the FHIR server will call: https://, or http:// to a loopback address (tests only).
      c.callback_public_url = *v;
      const bool https = v->rfind("https://", 0) == 0 && v->size() > 8;
      const bool loopbackHttp =
          v->rfind("http://127.0.0.1", 0) == 0 || v->rfind("http://localhost", 0) == 0 || v->rfind("http://[::1]", 0) == 0;
      if (!https && !loopbackHttp)
        r.problem("[callback] public_url", "must be an https:// URL (http:// only to 127.0.0.1, localhost or [::1], for tests)");
    }
    if (auto v = r.text("callback", "payload")) {
      c.callback_payload = *v;
      if (*v != "full-resource" && *v != "id-only" && *v != "empty")
        r.problem("[callback] payload", "must be full-resource, id-only or empty");
    }
    if (auto v = r.integer("callback", "max_body_kb", 1, 256 * 1024))
      c.callback_max_body_bytes = static_cast<std::size_t>(*v) << 10;
    if (auto v = r.integer("callback", "read_timeout_seconds", 1, 600)) c.callback_read_timeout = std::chrono::seconds(*v);
    if (auto v = r.integer("callback", "idle_timeout_seconds", 1, 3600)) c.callback_idle_timeout = std::chrono::seconds(*v);
    if (auto v = r.integer("callback", "max_connections", 1, 100000)) c.callback_max_connections = static_cast<std::size_t>(*v);
    if (auto v = r.integer("callback", "threads", 1, 64)) c.callback_threads = static_cast<int>(*v);
  }
  if (auto v = r.text("log", "level")) {
    c.log_level = *v;
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (!levels.count(c.log_level)) r.problem("[log] level", "must be trace, debug, info, warn or error");
  }
  if (!r.problems().empty()) throw DaemonConfigError(std::move(r.problems()));
  return c;
}

}  // namespace fa::daemon

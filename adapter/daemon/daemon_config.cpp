#include "daemon/daemon_config.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
        "category",
        "proxy",
        "proxy_credentials_file",
        "no_proxy"}},
      {"trial", {"mappings", "subjects"}},
      {"store", {"path"}},
      {"audit", {"dir", "key_file", "max_segment_mb", "checkpoint_seconds", "anchor_path"}},
      {"http", {"listen", "ready_max_age_seconds"}},
      {"sync",
       {"interval_seconds", "overlap_seconds", "lag_seconds", "rescan_hours", "deletion_confirm_seconds",
        "max_withdraw_fraction"}},
      {"callback",
       {"listen", "path", "cert", "key", "bearer_token_file", "hmac_secret_file", "client_ca_file", "max_body_kb",
        "read_timeout_seconds", "idle_timeout_seconds", "max_connections", "threads", "public_url", "payload",
        "preauth_timeout_seconds", "max_connections_per_address"}},
      {"log", {"level"}},
      {"review", {"listen", "cert", "key", "users_file", "override_reasons", "idle_timeout_minutes", "session_hours"}},
      {"bulk", {"level", "group_id", "first_load", "poll_max_seconds", "max_wait_seconds", "file_attempts"}},
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
    // The type first: toml++'s value<int64_t>() casts a float node to an integer before it
    // checks the range, undefined behaviour for 1.5e106 (found by fuzz_config).
    if (!node.is_integer()) {
      problem("[" + section + "] " + key, "must be an integer");
      return std::nullopt;
    }
    const std::int64_t v = node.as_integer()->get();
    if (v < min || v > max) {
      problem("[" + section + "] " + key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  // A number (integer or float) in [min, max].
  std::optional<double> number(const std::string& section, const std::string& key, double min, double max) {
    auto node = root_[section][key];
    if (!node) return std::nullopt;
    if (!node.is_number()) {
      problem("[" + section + "] " + key, "must be a number");
      return std::nullopt;
    }
    const double v = node.value<double>().value_or(0);
    if (!(v >= min && v <= max)) {
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

namespace {

using Seconds = std::chrono::seconds;

void checkSectionsAndKeys(const toml::table& root, Reader& r) {
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
}

// An existing file named by [section] key, as a string path ("" when the key is absent).
std::string existingFile(Reader& r, const std::string& section, const std::string& key, bool required = false) {
  auto v = r.text(section, key, required);
  if (!v) return "";
  const std::string p = r.path(*v).string();
  r.mustExist("[" + section + "] " + key, p);
  return p;
}

void readFhirAuth(Reader& r, FhirSettings& f) {
  if (auto v = r.text("fhir", "auth")) f.auth = *v;
  if (f.auth == "basic") {
    if (auto u = r.text("fhir", "username", true)) f.username = *u;
    f.password = r.secret("fhir", "password_file", "password_env", "password");
  } else if (f.auth == "bearer") {
    f.bearer_token = r.secret("fhir", "token_file", "token_env", "token");
  } else if (f.auth == "smart-backend") {
    f.smart.fhir_base_url = f.base_url;
    if (auto v = r.text("fhir", "client_id", true)) f.smart.client_id = *v;
    f.smart.private_key_file = existingFile(r, "fhir", "private_key_file", true);
    if (auto v = r.text("fhir", "key_id", true)) f.smart.key_id = *v;
    if (auto v = r.text("fhir", "token_url")) f.smart.token_url = *v;
    if (auto v = r.text("fhir", "scope")) f.smart.scope = *v;
  } else if (f.auth != "none") {
    r.problem("[fhir] auth", "must be none, basic, bearer or smart-backend");
  }
}

void readFhirTls(Reader& r, net::TlsSettings& tls) {
  tls.ca_file = existingFile(r, "fhir", "ca_file");
  tls.ca_dir = existingFile(r, "fhir", "ca_dir");
  auto cert = r.text("fhir", "client_cert");
  auto key = r.text("fhir", "client_key");
  if (cert.has_value() != key.has_value()) r.problem("[fhir] client_cert", "client_cert and client_key go together");
  if (cert && key) {
    tls.client_cert_file = existingFile(r, "fhir", "client_cert");
    tls.client_key_file = existingFile(r, "fhir", "client_key");
  }
}

// [fhir] proxy, no_proxy, proxy_credentials_file (docs/contract.md); without `proxy`, the
// environment's https_proxy, http_proxy and no_proxy; `proxy = ""` or `"none"`: direct.
void readFhirProxy(Reader& r, net::ProxySettings& p) {
  const auto url = r.text("fhir", "proxy");
  try {
    if (!url) {
      p = net::proxyFromEnvironment(net::proxyEnvironment());
    } else if (!url->empty() && *url != "none") {
      p.for_https = p.for_http = net::parseProxyUrl(*url, false, true);
    }
  } catch (const net::ProxyConfigError& e) {
    r.problem("[fhir] proxy", e.what());
  }
  if (auto v = r.text("fhir", "no_proxy")) {
    try {
      p.no_proxy = net::parseNoProxy(*v);
    } catch (const net::ProxyConfigError& e) {
      r.problem("[fhir] no_proxy", e.what());
    }
  }
  const auto file = r.text("fhir", "proxy_credentials_file");
  if (!file) return;
  if (!p.for_https && !p.for_http)
    r.problem("[fhir] proxy_credentials_file", "is set, but no proxy is ([fhir] proxy, https_proxy or http_proxy)");
  try {
    p.credentials = net::checkProxyCredentials(readSecretFile(r.path(*file), "proxy credentials").value_or(""));
  } catch (const net::ProxyConfigError& e) {
    // Names the file, never its content.
    r.problem("[fhir] proxy_credentials_file", r.path(*file).string() + " " + e.what());
  } catch (const std::runtime_error& e) {
    r.problem("[fhir] proxy_credentials_file", e.what());
  }
}

void readFhir(Reader& r, FhirSettings& f) {
  if (auto v = r.text("fhir", "base_url", true)) {
    f.base_url = *v;
    while (!f.base_url.empty() && f.base_url.back() == '/')
      f.base_url.pop_back();
    if (f.base_url.rfind("http://", 0) != 0 && f.base_url.rfind("https://", 0) != 0)
      r.problem("[fhir] base_url", "must be an http:// or https:// URL");
  }
  readFhirAuth(r, f);
  readFhirTls(r, f.http.tls);
  readFhirProxy(r, f.http.proxy);
  if (auto v = r.integer("fhir", "connect_timeout_seconds", 1, 600)) f.http.connect_timeout = Seconds(*v);
  if (auto v = r.integer("fhir", "read_timeout_seconds", 1, 3600)) f.http.read_timeout = Seconds(*v);
  if (auto v = r.integer("fhir", "request_timeout_seconds", 1, 7200)) f.http.overall_timeout = Seconds(*v);
  if (auto v = r.integer("fhir", "max_response_mb", 1, 4096)) f.http.body_limit = static_cast<std::size_t>(*v) << 20;
  if (auto v = r.integer("fhir", "max_attempts", 1, 20)) f.retry.max_attempts = static_cast<int>(*v);
}

// The search keys of [fhir]: part of the poller's settings.
void readSearch(Reader& r, sync::SyncSettings& s) {
  if (auto v = r.integer("fhir", "page_size", 1, 1000)) s.page_size = static_cast<int>(*v);
  if (auto v = r.boolean("fhir", "per_patient")) s.per_patient = *v;
  if (auto v = r.text("fhir", "category")) s.category = *v;
}

// [sync]: the poller's windows and the daemon's schedule.
void readSyncSection(Reader& r, sync::SyncSettings& s, PollSchedule& schedule) {
  if (auto v = r.integer("sync", "interval_seconds", 1, 86400)) schedule.interval = Seconds(*v);
  if (auto v = r.integer("sync", "overlap_seconds", 0, 86400)) s.overlap = Seconds(*v);
  if (auto v = r.integer("sync", "lag_seconds", 0, 3600)) s.lag = Seconds(*v);
  if (auto v = r.integer("sync", "rescan_hours", 1, 24 * 30)) schedule.rescan_interval = std::chrono::hours(*v);
  // The deletion policy and the mass-withdrawal guard (docs/contract.md, "Safety guards of run").
  if (auto v = r.integer("sync", "deletion_confirm_seconds", 0, 30 * 86400)) s.deletion_confirm_seconds = Seconds(*v);
  if (auto v = r.number("sync", "max_withdraw_fraction", 0.0, 1.0)) s.max_withdraw_fraction = *v;
}

void readFiles(Reader& r, DaemonConfig& c) {
  if (auto v = r.text("trial", "mappings", true)) {
    c.trial.mappings = r.path(*v);
    r.mustExist("[trial] mappings", c.trial.mappings);
  }
  if (auto v = r.text("trial", "subjects", true)) {
    c.trial.subjects = r.path(*v);
    r.mustExist("[trial] subjects", c.trial.subjects);
  }
  if (auto v = r.text("store", "path", true)) c.store.path = r.path(*v);
}

void readAudit(Reader& r, audit::AuditSettings& a) {
  if (auto v = r.text("audit", "dir", true)) a.dir = r.path(*v);
  if (auto v = r.text("audit", "key_file")) {
    a.key_file = r.path(*v);
    r.mustExist("[audit] key_file", *a.key_file);
  }
  if (auto v = r.integer("audit", "max_segment_mb", 1, 4096)) a.max_segment_bytes = static_cast<std::uint64_t>(*v) << 20;
  if (auto v = r.integer("audit", "checkpoint_seconds", 1, 86400)) a.checkpoint_every = Seconds(*v);
  if (auto v = r.text("audit", "anchor_path")) a.anchor_path = r.path(*v);
}

void readHttp(Reader& r, HttpSettings& h) {
  if (auto v = r.text("http", "listen")) {
    if (auto hp = parseHostPort(*v))
      h.listen = *hp;
    else
      r.problem("[http] listen", "must be HOST:PORT (port 0 picks a free port)");
  }
  if (auto v = r.integer("http", "ready_max_age_seconds", 1, 7 * 86400)) h.ready_max_age = Seconds(*v);
}

void readCallbackEndpoint(Reader& r, CallbackSettings& cb) {
  if (auto v = r.text("callback", "listen")) {
    if (auto hp = parseHostPort(*v)) {
      cb.server.host = hp->host;
      cb.server.port = hp->port;
    } else {
      r.problem("[callback] listen", "must be HOST:PORT");
    }
  }
  if (auto v = r.text("callback", "path")) {
    cb.path = *v;
    if (cb.path.empty() || cb.path.front() != '/') r.problem("[callback] path", "must start with /");
  }
}

void readCallbackForSubscriptions(Reader& r, CallbackSettings& cb) {
  if (auto v = r.text("callback", "public_url")) {
    // What the FHIR server will call: https://, or http:// to a loopback address (tests only).
    cb.public_url = *v;
    const bool https = v->rfind("https://", 0) == 0 && v->size() > 8;
    const bool loopbackHttp =
        v->rfind("http://127.0.0.1", 0) == 0 || v->rfind("http://localhost", 0) == 0 || v->rfind("http://[::1]", 0) == 0;
    if (!https && !loopbackHttp)
      r.problem("[callback] public_url", "must be an https:// URL (http:// only to 127.0.0.1, localhost or [::1], for tests)");
  }
  if (auto v = r.text("callback", "payload")) {
    cb.payload = *v;
    if (*v != "full-resource" && *v != "id-only" && *v != "empty")
      r.problem("[callback] payload", "must be full-resource, id-only or empty");
  }
}

void readCallbackFiles(Reader& r, CallbackSettings& cb) {
  cb.server.cert_file = existingFile(r, "callback", "cert", true);
  cb.server.key_file = existingFile(r, "callback", "key", true);
  cb.bearer_token_file = existingFile(r, "callback", "bearer_token_file");
  cb.hmac_secret_file = existingFile(r, "callback", "hmac_secret_file");
  cb.server.client_ca_file = existingFile(r, "callback", "client_ca_file");
}

void readCallbackLimits(Reader& r, callback::CallbackServerSettings& s) {
  if (auto v = r.integer("callback", "max_body_kb", 1, 256 * 1024)) s.max_body_bytes = static_cast<std::size_t>(*v) << 10;
  if (auto v = r.integer("callback", "read_timeout_seconds", 1, 600)) s.read_timeout = Seconds(*v);
  // The read timeout bounds the handshake and each write too.
  s.handshake_timeout = s.read_timeout;
  s.write_timeout = s.read_timeout;
  if (auto v = r.integer("callback", "idle_timeout_seconds", 1, 3600)) s.idle_timeout = Seconds(*v);
  if (auto v = r.integer("callback", "max_connections", 1, 100000)) s.max_connections = static_cast<std::size_t>(*v);
  if (auto v = r.integer("callback", "threads", 1, 64)) s.threads = static_cast<int>(*v);
  if (auto v = r.integer("callback", "preauth_timeout_seconds", 1, 600)) s.preauth_timeout = Seconds(*v);
  if (auto v = r.integer("callback", "max_connections_per_address", 1, 100000))
    s.max_connections_per_address = static_cast<std::size_t>(*v);
}

void readCallback(const toml::table& root, Reader& r, CallbackSettings& cb) {
  if (!root["callback"]) return;
  cb.enabled = true;
  readCallbackEndpoint(r, cb);
  readCallbackFiles(r, cb);
  readCallbackForSubscriptions(r, cb);
  readCallbackLimits(r, cb.server);
}

// [review]: the review console (console/console_settings.h).
void readReview(const toml::table& root, Reader& r, console::ConsoleSettings& rv) {
  if (!root["review"]) return;
  rv.enabled = true;
  rv.server = console::defaultConsoleServer();
  if (auto v = r.text("review", "listen")) {
    if (auto hp = parseHostPort(*v)) {
      rv.server.host = hp->host;
      rv.server.port = hp->port;
    } else {
      r.problem("[review] listen", "must be HOST:PORT");
    }
  }
  rv.server.cert_file = existingFile(r, "review", "cert", true);
  rv.server.key_file = existingFile(r, "review", "key", true);
  if (auto v = r.text("review", "users_file", true)) rv.users_file = r.path(*v);
  if (auto reasons = root["review"]["override_reasons"].as_array()) {
    rv.override_reasons.clear();
    for (auto&& item : *reasons)
      if (auto text = item.value<std::string>(); text && !text->empty() && text->size() <= 100)
        rv.override_reasons.push_back(*text);
    if (rv.override_reasons.empty()) r.problem("[review] override_reasons", "must be a list of 1 to 100 character strings");
  }
  if (auto v = r.integer("review", "idle_timeout_minutes", 1, 240)) rv.sessions.idle = Seconds(*v * 60);
  if (auto v = r.integer("review", "session_hours", 1, 24)) rv.sessions.lifetime = Seconds(*v * 3600);
}

// [bulk]: Bulk Data $export first loads (docs/contract.md, "[bulk]").
void readBulk(const toml::table& root, Reader& r, bulk::BulkSettings& b) {
  if (!root["bulk"]) return;
  b.enabled = true;
  if (auto v = r.text("bulk", "level")) {
    b.level = *v;
    if (*v != "system" && *v != "patient" && *v != "group") r.problem("[bulk] level", "must be system, patient or group");
  }
  if (auto v = r.text("bulk", "group_id")) b.group_id = *v;
  if (b.level == "group" && b.group_id.empty()) r.problem("[bulk] group_id", "is required with level = \"group\"");
  if (auto v = r.boolean("bulk", "first_load")) b.first_load = *v;
  if (auto v = r.integer("bulk", "poll_max_seconds", 1, 3600)) b.poll_max = Seconds(*v);
  if (auto v = r.integer("bulk", "max_wait_seconds", 60, 7 * 86400)) b.max_wait = Seconds(*v);
  if (auto v = r.integer("bulk", "file_attempts", 1, 20)) b.file_attempts = static_cast<int>(*v);
}

void readLog(Reader& r, LogSettings& log) {
  if (auto v = r.text("log", "level")) {
    log.level = *v;
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (!levels.count(log.level)) r.problem("[log] level", "must be trace, debug, info, warn or error");
  }
}

// A missing, unreadable or directory --config is named with the reason, before toml++ would call
// it "line 0 column 0".
void checkReadableFile(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (std::filesystem::is_directory(status))
    throw DaemonConfigError({file.string() + ": is a directory; --config needs the configuration file itself (e.g. " +
                             (file / "adapter.toml").string() + ")"});
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) throw DaemonConfigError({file.string() + ": cannot be read: " + std::strerror(errno)});
  std::fclose(f);
}

toml::table parseToml(const std::filesystem::path& file) {
  checkReadableFile(file);
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << "line " << e.source().begin.line << " column " << e.source().begin.column;
    throw DaemonConfigError({file.string() + ": " + where.str() + ": " + std::string(e.description())});
  }
}

}  // namespace

DaemonConfig loadDaemonConfig(const std::filesystem::path& file) {
  const toml::table root = parseToml(file);
  DaemonConfig c;
  c.file = file;
  Reader r(root, file);
  checkSectionsAndKeys(root, r);
  // The order of the problems (the order of the keys in the file's documentation) is kept.
  readFhir(r, c.fhir);
  readSearch(r, c.sync);
  readFiles(r, c);
  readAudit(r, c.audit);
  readHttp(r, c.http);
  readSyncSection(r, c.sync, c.schedule);
  if (c.http.ready_max_age.count() == 0) c.http.ready_max_age = c.schedule.interval * 3 + Seconds(60);
  readCallback(root, r, c.callback);
  readLog(r, c.log);
  readReview(root, r, c.review);
  readBulk(root, r, c.bulk);
  if (!r.problems().empty()) throw DaemonConfigError(std::move(r.problems()));
  return c;
}

}  // namespace fa::daemon

// `fhir-adapter check-config`: every problem `run` would stop at, at once (daemon_runner.h).
#include <cstdio>
#include <fstream>

#include "console/accounts_file.h"
#include "daemon/daemon_runner.h"
#include "daemon/exit_codes.h"
#include "daemon/fhir_connection.h"
#include "daemon/preflight.h"
#include "daemon/server_identity.h"
#include "mapping/config_loader.h"

namespace fa::daemon {
namespace {

void addProblem(std::vector<std::string>& problems, const DaemonConfig& c, const std::string& where,
                const std::optional<std::string>& problem) {
  if (problem) problems.push_back(c.file.string() + ": " + where + ": " + *problem);
}

// Offline, a file the FHIR client or the receiver loads is only checked to be readable (its
// content is checked online, where the client is built as `run` builds it).
std::optional<std::string> unreadable(const std::string& file) {
  std::error_code ec;
  if (file.empty() || (!std::filesystem::is_directory(file, ec) && std::ifstream(file, std::ios::binary))) return std::nullopt;
  return "cannot read " + file;
}

// The listeners, the audit log and the files `run` opens before it contacts the server.
void checkStartup(const DaemonConfig& c, std::vector<std::string>& problems) {
  addProblem(problems, c, "[http] listen", listenProblem(c.http.listen.host, c.http.listen.port));
  addProblem(problems, c, "[audit]", auditProblem(c.audit));
  try {
    addProblem(problems, c, "[fhir] base_url", serverChangeRefusal(rememberedServer(c.store.path), c.fhir.base_url));
  } catch (const store::StoreError&) {
    // An older schema (run migrates it) cannot be read here: `run` checks it once migrated.
  }
  addProblem(problems, c, "[fhir] ca_file", unreadable(c.fhir.http.tls.ca_file));
  addProblem(problems, c, "[fhir] client_cert", unreadable(c.fhir.http.tls.client_cert_file));
  addProblem(problems, c, "[fhir] client_key", unreadable(c.fhir.http.tls.client_key_file));
  if (c.fhir.auth == "smart-backend")
    addProblem(problems, c, "[fhir] private_key_file", unreadable(c.fhir.smart.private_key_file));
  if (!c.callback.enabled) return;
  addProblem(problems, c, "[callback] listen", listenProblem(c.callback.server.host, c.callback.server.port));
  addProblem(problems, c, "[callback] cert", unreadable(c.callback.server.cert_file));
  addProblem(problems, c, "[callback] key", unreadable(c.callback.server.key_file));
  addProblem(problems, c, "[callback] client_ca_file", unreadable(c.callback.server.client_ca_file));
  try {
    readSecretFile(c.callback.bearer_token_file, "callback bearer token");
    readSecretFile(c.callback.hmac_secret_file, "callback HMAC secret");
  } catch (const std::runtime_error& e) {
    addProblem(problems, c, "[callback]", std::string(e.what()));
  }
}

// [review]: the listener, the certificate and the users file `fhir-adapter user` writes.
void checkReview(const DaemonConfig& c, std::vector<std::string>& problems) {
  if (!c.review.enabled) return;
  addProblem(problems, c, "[review] listen", listenProblem(c.review.server.host, c.review.server.port));
  addProblem(problems, c, "[review] cert", unreadable(c.review.server.cert_file));
  addProblem(problems, c, "[review] key", unreadable(c.review.server.key_file));
  try {
    console::loadAccounts(c.review.users_file);
  } catch (const console::AccountsError& e) {
    addProblem(problems, c, "[review] users_file", std::string(e.what()));
  }
}

// Online: the client as `run` builds it (certificates, SMART key), then the CapabilityStatement.
void checkServer(const DaemonConfig& c, std::vector<std::string>& problems) {
  try {
    auto client = connectFhir(c.fhir, nullptr);
    std::string problem = checkCapabilities(*client);
    if (!problem.empty()) problems.push_back(c.fhir.base_url + ": " + problem);
  } catch (const std::exception& e) {
    problems.push_back(c.fhir.base_url + ": " + e.what());
  }
}

std::vector<std::string> findProblems(const std::filesystem::path& file, bool offline) {
  std::optional<DaemonConfig> config;
  try {
    config = loadDaemonConfig(file);
  } catch (const DaemonConfigError& e) {
    return e.problems();
  }
  std::vector<std::string> problems;
  try {
    loadTrial(config->trial);
  } catch (const mapping::ConfigError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
  }
  checkStartup(*config, problems);
  checkReview(*config, problems);
  if (problems.empty() && !offline) checkServer(*config, problems);
  return problems;
}

}  // namespace

int checkConfig(const std::filesystem::path& file, bool offline) {
  const std::vector<std::string> problems = findProblems(file, offline);
  for (const std::string& p : problems)
    std::fprintf(stderr, "fhir-adapter check-config: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "fhir-adapter check-config: %zu problem(s); not ready to run\n", problems.size());
    return kExitConfig;
  }
  std::fprintf(stderr, "fhir-adapter check-config: %s is ready to run%s\n", file.string().c_str(),
               offline ? " (offline: FHIR server not contacted)" : "");
  return kExitOk;
}

}  // namespace fa::daemon

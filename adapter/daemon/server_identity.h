#pragma once
// The FHIR server a store was filled from (docs/contract.md, "Safety guards of run"). The store
// remembers the `[fhir] base_url` of its first successful pass (meta server_base_url), with the
// CapabilityStatement's implementation.url and software.name as identity detail. `run` against
// a store filled from another server exits 2 unless `--accept-server-change`: records of two
// servers must never mix silently, and a rescan against the wrong server would find every
// stored result gone.
#include <filesystem>
#include <optional>
#include <string>

#include "store/observation_store.h"

namespace fa::daemon {

inline constexpr const char* kServerBaseUrlKey = "server_base_url";
inline constexpr const char* kServerImplementationKey = "server_implementation_url";
inline constexpr const char* kServerSoftwareKey = "server_software_name";

struct ServerIdentity {
  std::string implementation_url;  // CapabilityStatement.implementation.url ("" when absent)
  std::string software_name;       // CapabilityStatement.software.name ("" when absent)
};

// The identity detail of a CapabilityStatement (JSON text); empty fields when absent or unparsable.
ServerIdentity readServerIdentity(const std::string& capability_statement_json);

// The refusal when a store remembered as filled from `remembered` is used with `configured`;
// nullopt when they are the same (or nothing is remembered yet).
std::optional<std::string> serverChangeRefusal(const std::optional<std::string>& remembered, const std::string& configured);

// The remembered base URL of the store at `db_path`, read without writing anything (nullopt
// when there is no store yet or it remembers none). Throws store::StoreError.
std::optional<std::string> rememberedServer(const std::filesystem::path& db_path);

// Remembers `base_url` (and the identity detail when known) as the store's server.
void rememberServer(store::ObservationStore& store, const std::string& base_url, const ServerIdentity& identity);

}  // namespace fa::daemon

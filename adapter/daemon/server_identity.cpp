#include "daemon/server_identity.h"

#include <rapidjson/document.h>

#include "common/json_depth.h"
#include "fhir/json_text.h"

namespace fa::daemon {

ServerIdentity readServerIdentity(const std::string& json) {
  ServerIdentity id;
  rapidjson::Document d;
  common::parseBounded(d, json);
  if (d.HasParseError() || !d.IsObject()) return id;
  if (const fhir::JsonValue* impl = fhir::findMember(d, "implementation"); impl && impl->IsObject())
    id.implementation_url = std::string(fhir::stringMember(*impl, "url").value_or(""));
  if (const fhir::JsonValue* sw = fhir::findMember(d, "software"); sw && sw->IsObject())
    id.software_name = std::string(fhir::stringMember(*sw, "name").value_or(""));
  return id;
}

std::optional<std::string> serverChangeRefusal(const std::optional<std::string>& remembered, const std::string& configured) {
  if (!remembered || remembered->empty() || *remembered == configured) return std::nullopt;
  return "the store was filled from " + *remembered + ", but [fhir] base_url is " + configured +
         "; start once with --accept-server-change if this is the same data on a new address";
}

std::optional<std::string> rememberedServer(const std::filesystem::path& db_path) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) return std::nullopt;
  store::ObservationStore store(db_path.string(), store::SqliteDb::Mode::ReadOnly);
  return store.meta(kServerBaseUrlKey);
}

void rememberServer(store::ObservationStore& store, const std::string& base_url, const ServerIdentity& identity) {
  auto t = store.transaction();
  store.setMeta(kServerBaseUrlKey, base_url);
  if (!identity.implementation_url.empty()) store.setMeta(kServerImplementationKey, identity.implementation_url);
  if (!identity.software_name.empty()) store.setMeta(kServerSoftwareKey, identity.software_name);
  t.commit();
}

}  // namespace fa::daemon

#include "daemon/fhir_connection.h"

#include <rapidjson/document.h>

#include "common/json_depth.h"
#include "fhir/json_text.h"

namespace fa::daemon {

namespace {

std::shared_ptr<net::Authenticator> makeAuthenticator(const FhirSettings& fhir) {
  if (fhir.auth == "basic") return net::makeBasicAuth(fhir.username, fhir.password);
  if (fhir.auth == "bearer") return net::makeBearerAuth(fhir.bearer_token);
  // The token endpoint gets its own client: same timeouts and TLS files.
  if (fhir.auth == "smart-backend") return net::makeSmartBackendAuth(fhir.smart, net::makeBeastHttpClient(fhir.http));
  return net::makeNoAuth();
}

net::FhirClientObserver requestMetrics(Metrics* metrics) {
  net::FhirClientObserver observer;
  if (!metrics) return observer;
  observer.on_request = [metrics](const std::string& outcome) {
    metrics->add("fhir_adapter_fhir_requests_total", 1, {{"outcome", outcome}});
  };
  observer.on_retry = [metrics](const std::string& reason) {
    metrics->add("fhir_adapter_fhir_retries_total", 1, {{"reason", reason}});
  };
  return observer;
}

}  // namespace

std::unique_ptr<net::FhirClient> connectFhir(const FhirSettings& fhir, Metrics* metrics, FhirTransport* transport) {
  std::shared_ptr<net::HttpClient> http = net::makeBeastHttpClient(fhir.http);
  std::shared_ptr<net::Authenticator> auth = makeAuthenticator(fhir);
  if (transport) *transport = {http, auth};
  return std::make_unique<net::FhirClient>(fhir.base_url, http, auth, fhir.retry, requestMetrics(metrics));
}

std::string checkCapabilities(net::FhirClient& client, ServerIdentity* identity) {
  net::HttpResponse r = client.get("metadata");
  if (r.status != 200) return "GET metadata answered " + std::to_string(r.status);
  if (identity) *identity = readServerIdentity(r.body);
  rapidjson::Document d;
  common::parseBounded(d, r.body);
  if (d.HasParseError() || !d.IsObject()) return "GET metadata did not return JSON";
  if (fhir::stringMember(d, "resourceType").value_or("") != "CapabilityStatement")
    return "GET metadata did not return a CapabilityStatement";
  std::string version(fhir::stringMember(d, "fhirVersion").value_or(""));
  if (version.rfind("4.0", 0) != 0) return "server speaks FHIR " + (version.empty() ? "(unknown)" : version) + ", not R4 (4.0.x)";
  // Observation with search-type among its interactions.
  if (const fhir::JsonValue* rest = fhir::findMember(d, "rest"); rest && rest->IsArray()) {
    for (const auto& server : rest->GetArray()) {
      const fhir::JsonValue* resources = fhir::findMember(server, "resource");
      if (!resources || !resources->IsArray()) continue;
      for (const auto& res : resources->GetArray()) {
        if (fhir::stringMember(res, "type").value_or("") != "Observation") continue;
        const fhir::JsonValue* interactions = fhir::findMember(res, "interaction");
        if (!interactions || !interactions->IsArray()) return "";  // not detailed: assume search works
        for (const auto& i : interactions->GetArray()) {
          if (fhir::stringMember(i, "code").value_or("") == "search-type") return "";
        }
        return "the CapabilityStatement does not offer Observation search";
      }
    }
  }
  return "the CapabilityStatement lists no Observation resource";
}

}  // namespace fa::daemon

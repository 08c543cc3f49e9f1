#include "daemon/fhir_connection.h"

#include <rapidjson/document.h>

#include "fhir/json_text.h"

namespace fa::daemon {

std::unique_ptr<net::FhirClient> connectFhir(const DaemonConfig& config, Metrics* metrics) {
  net::HttpClientSettings settings;
  settings.connect_timeout = config.connect_timeout;
  settings.read_timeout = config.read_timeout;
  settings.overall_timeout = config.request_timeout;
  settings.body_limit = config.max_response_bytes;
  settings.tls.ca_file = config.ca_file;
  settings.tls.ca_dir = config.ca_dir;
  settings.tls.client_cert_file = config.client_cert_file;
  settings.tls.client_key_file = config.client_key_file;
  std::shared_ptr<net::HttpClient> http = net::makeBeastHttpClient(settings);

  std::shared_ptr<net::Authenticator> auth;
  if (config.auth == "basic") {
    auth = net::makeBasicAuth(config.username, config.password);
  } else if (config.auth == "bearer") {
    auth = net::makeBearerAuth(config.bearer_token);
  } else if (config.auth == "smart-backend") {
    net::SmartSettings smart;
    smart.fhir_base_url = config.base_url;
    smart.token_url = config.smart_token_url;
    smart.client_id = config.smart_client_id;
    smart.private_key_file = config.smart_private_key_file;
    smart.key_id = config.smart_key_id;
    smart.scope = config.smart_scope;
    auth = net::makeSmartBackendAuth(smart, net::makeBeastHttpClient(settings));
  } else {
    auth = net::makeNoAuth();
  }
  net::RetryPolicy retry;
  retry.max_attempts = config.max_attempts;
  net::FhirClientObserver observer;
  if (metrics) {
    observer.on_request = [metrics](const std::string& outcome) {
      metrics->add("fhir_adapter_fhir_requests_total", 1, {{"outcome", outcome}});
    };
    observer.on_retry = [metrics](const std::string& reason) {
      metrics->add("fhir_adapter_fhir_retries_total", 1, {{"reason", reason}});
    };
  }
  return std::make_unique<net::FhirClient>(config.base_url, http, auth, retry, observer);
}

std::string checkCapabilities(net::FhirClient& client) {
  net::HttpResponse r = client.get("metadata");
  if (r.status != 200) return "GET metadata answered " + std::to_string(r.status);
  rapidjson::Document d;
  d.Parse(r.body.c_str(), r.body.size());
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

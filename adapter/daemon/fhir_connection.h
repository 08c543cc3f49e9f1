#pragma once
// Builds the FHIR client stack (HTTP client, authenticator, retries) from [fhir], and checks
// the server's CapabilityStatement.
#include <memory>
#include <string>

#include "daemon/daemon_config.h"
#include "daemon/metrics.h"
#include "daemon/server_identity.h"
#include "net/fhir_client.h"

namespace fa::daemon {

// Throws net::TransportError (CA or client certificate files unusable) or net::AuthError (the
// SMART private key): configuration problems, found before any request.
// `transport`, when given, receives the client's HTTP client and authenticator (the Bulk Data
// file downloads use them directly).
struct FhirTransport {
  std::shared_ptr<net::HttpClient> http;
  std::shared_ptr<net::Authenticator> auth;
};
std::unique_ptr<net::FhirClient> connectFhir(const FhirSettings& fhir, Metrics* metrics, FhirTransport* transport = nullptr);

// GET [base]/metadata: must be a FHIR 4.0.x CapabilityStatement offering Observation search.
// Returns "" when fine, else the problem. Throws net::FhirError when the server cannot be reached.
// `identity`, when given, receives the statement's implementation.url and software.name.
std::string checkCapabilities(net::FhirClient& client, ServerIdentity* identity = nullptr);

}  // namespace fa::daemon

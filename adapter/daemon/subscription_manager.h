#pragma once
// SubscriptionManager: the FHIR Subscription resources that make the server push to the
// [callback] receiver (`fhir-adapter subscription register|list|delete`).
//
// One Subscription per analyte, criteria `Observation?code=<its system|code set>` with NO status
// filter (docs/fhir-servers.md: an amendment to entered-in-error must still be sent), channel rest-hook
// to [callback] public_url, the callback bearer token as channel.header, and meta.tag
// {kSubscriptionTagSystem, trial id} so that list and delete touch only ours. Two forms:
//   - plain R4: payload "application/fhir+json" for full-resource, absent otherwise (R4 has no
//     id-only: the receiver gets a ping and polls); with an HMAC secret the Medplum
//     subscription-secret extension (Medplum signs each body with it);
//   - R4 Subscriptions Backport IG, when the CapabilityStatement offers it: criteria = the topic
//     canonical, the code filter as a backport-filter-criteria extension, the payload content
//     (empty | id-only | full-resource) as a backport-payload-content extension.
// The builders are pure (unit-tested); register/list/remove talk to the server.
#include <optional>
#include <string>
#include <vector>

#include "mapping/trial_config.h"
#include "net/fhir_client.h"

namespace fa::daemon {

inline constexpr const char* kSubscriptionTagSystem = "https://fhir-adapter.dev/subscription";
inline constexpr const char* kBackportSubscriptionProfile =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
inline constexpr const char* kMedplumSecretExtension = "https://www.medplum.com/fhir/StructureDefinition/subscription-secret";
inline constexpr const char* kAuditSubscriptionRegistered = "subscription_registered";
inline constexpr const char* kAuditSubscriptionRemoved = "subscription_removed";

// One analyte's codings, "system|code", sorted.
struct AnalyteCodeSet {
  std::string analyte;  // BILI, ALB, ...
  std::vector<std::string> codings;
};

struct SubscriptionSettings {
  std::string trial_id;
  std::string endpoint;                       // [callback] public_url
  std::string payload = "full-resource";      // full-resource | id-only | empty
  std::string bearer_token;                   // "" = no channel.header
  std::string hmac_secret;                    // "" = no Medplum secret extension
  std::optional<std::string> backport_topic;  // set: the backport form with this topic canonical
};

// What the server's CapabilityStatement says about the Subscriptions Backport IG.
struct BackportSupport {
  bool offered = false;             // the backport-subscription profile (or a topic) is listed
  std::vector<std::string> topics;  // SubscriptionTopic canonicals the server lists
  // The topic to use: one naming Observation when there is one, else the first; nullopt when
  // the backport is not offered or lists no topic (then the plain R4 form is used).
  std::optional<std::string> chosenTopic() const;
};

// A Subscription of ours as found on the server.
struct SubscriptionInfo {
  std::string id, status, analyte, endpoint, criteria;
};

// Per analyte of the trial, its coding set (from coding_index), in analyte order.
std::vector<AnalyteCodeSet> analyteCodeSets(const mapping::TrialConfig& config);
// "Observation?code=<system|code,...>": no status, no other filter.
std::string subscriptionCriteria(const AnalyteCodeSet& codes);
// "fhir-adapter <trial id> <analyte>": the reason text, from which list reads the analyte.
std::string subscriptionReason(const std::string& trial_id, const std::string& analyte);
// The Subscription resource (JSON text); `id` set for an update (PUT).
std::string buildSubscription(const SubscriptionSettings& settings, const AnalyteCodeSet& codes,
                              const std::optional<std::string>& id = std::nullopt);
// Reads a CapabilityStatement (JSON text); an unparsable one offers nothing.
BackportSupport detectBackport(const std::string& capability_statement);
// Our Subscriptions in a searchset Bundle (JSON text): entries with tag {system, trial id} only.
std::vector<SubscriptionInfo> subscriptionsInBundle(const std::string& bundle, const std::string& trial_id,
                                                    std::optional<std::string>* next_link = nullptr);
// One line of `subscription list`: id, status, analyte, endpoint (tab-separated; never a header).
std::string formatSubscriptionLine(const SubscriptionInfo& info);

class SubscriptionManager {
 public:
  SubscriptionManager(net::FhirClient& client, std::string trial_id) : client_(client), trial_id_(std::move(trial_id)) {}

  struct Change {
    std::string action;  // created | updated | removed
    SubscriptionInfo subscription;
  };

  // GET metadata and read the backport support from it.
  BackportSupport backportSupport();
  // Every Subscription tagged with our trial id (searched by _tag, checked again here).
  std::vector<SubscriptionInfo> list();
  // One Subscription per code set: updates ours in place (PUT), creates the missing ones, and
  // removes ours that name no configured analyte or duplicate one. Throws net::FhirError.
  std::vector<Change> registerAll(const SubscriptionSettings& settings, const std::vector<AnalyteCodeSet>& codes);
  // Deletes every Subscription tagged with our trial id, and only those.
  std::vector<Change> removeAll();

 private:
  SubscriptionInfo parseWritten(const net::HttpResponse& response);
  // DELETE Subscription/{id}; already gone (404, 410) counts as removed.
  Change remove(SubscriptionInfo info);
  net::FhirClient& client_;
  std::string trial_id_;
};

}  // namespace fa::daemon

#include "daemon/subscription_manager.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_depth.h"
#include "fhir/json_text.h"
#include "sync/poller.h"

namespace fa::daemon {
namespace {

constexpr const char* kBackportServer =
    "http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server";
constexpr const char* kTopicCanonicalExtension =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical";
constexpr const char* kFilterCriteriaExtension =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria";
constexpr const char* kPayloadContentExtension =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
constexpr const char* kFhirJson = "application/fhir+json";

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(Writer& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}
void kv(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  str(w, value);
}

// {"extension":[{"url":url,"<valueKey>":value}]} as the value of the current key.
void oneExtension(Writer& w, const char* url, const char* value_key, const std::string& value) {
  w.StartArray();
  w.StartObject();
  kv(w, "url", url);
  kv(w, value_key, value);
  w.EndObject();
  w.EndArray();
}

std::string text(const rapidjson::Value& v, const char* key) {
  return std::string(fhir::stringMember(v, key).value_or(""));
}

bool hasOurTag(const rapidjson::Value& resource, const std::string& trial_id) {
  const fhir::JsonValue* meta = fhir::findMember(resource, "meta");
  const fhir::JsonValue* tags = meta ? fhir::findMember(*meta, "tag") : nullptr;
  if (!tags || !tags->IsArray()) return false;
  for (const auto& t : tags->GetArray()) {
    if (t.IsObject() && text(t, "system") == kSubscriptionTagSystem && text(t, "code") == trial_id) return true;
  }
  return false;
}

SubscriptionInfo infoOf(const rapidjson::Value& resource, const std::string& trial_id) {
  SubscriptionInfo info;
  info.id = text(resource, "id");
  info.status = text(resource, "status");
  info.criteria = text(resource, "criteria");
  const std::string prefix = subscriptionReason(trial_id, "");
  const std::string reason = text(resource, "reason");
  info.analyte = reason.rfind(prefix, 0) == 0 ? reason.substr(prefix.size()) : "";
  if (const fhir::JsonValue* channel = fhir::findMember(resource, "channel"); channel && channel->IsObject())
    info.endpoint = text(*channel, "endpoint");
  return info;
}

bool ok(int status) {
  return status >= 200 && status < 300;
}

[[noreturn]] void fail(const std::string& what, const net::HttpResponse& r) {
  throw net::FhirError(r.status, "http_" + std::to_string(r.status), what + " failed: HTTP " + std::to_string(r.status));
}

}  // namespace

std::optional<std::string> BackportSupport::chosenTopic() const {
  if (!offered || topics.empty()) return std::nullopt;
  for (const std::string& t : topics) {
    std::string lower(t);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("observation") != std::string::npos) return t;
  }
  return topics.front();
}

std::vector<AnalyteCodeSet> analyteCodeSets(const mapping::TrialConfig& config) {
  std::vector<std::vector<std::string>> codes = config.codingsByAnalyte();
  std::vector<AnalyteCodeSet> out(config.analytes.size());
  for (std::size_t a = 0; a < config.analytes.size(); ++a)
    out[a] = AnalyteCodeSet{config.analytes[a].code, std::move(codes[a])};
  std::erase_if(out, [](const AnalyteCodeSet& s) { return s.codings.empty(); });
  return out;
}

std::string subscriptionCriteria(const AnalyteCodeSet& codes) {
  std::string joined;
  for (const std::string& c : codes.codings)
    joined += (joined.empty() ? "" : ",") + c;
  return "Observation?code=" + sync::encodeQueryValue(joined);
}

std::string subscriptionReason(const std::string& trial_id, const std::string& analyte) {
  return "fhir-adapter " + trial_id + " " + analyte;
}

namespace {

// meta: our tag (list and delete touch only ours), and the backport profile.
void writeMeta(Writer& w, const std::string& trial_id, bool backport) {
  w.Key("meta");
  w.StartObject();
  if (backport) {
    w.Key("profile");
    w.StartArray();
    str(w, kBackportSubscriptionProfile);
    w.EndArray();
  }
  w.Key("tag");
  w.StartArray();
  w.StartObject();
  kv(w, "system", kSubscriptionTagSystem);
  kv(w, "code", trial_id);
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

// channel: rest-hook to our endpoint, the payload form, the bearer token header.
void writeChannel(Writer& w, const SubscriptionSettings& s, bool backport) {
  w.Key("channel");
  w.StartObject();
  kv(w, "type", "rest-hook");
  kv(w, "endpoint", s.endpoint);
  if (backport) {
    kv(w, "payload", kFhirJson);
    w.Key("_payload");
    w.StartObject();
    w.Key("extension");
    oneExtension(w, kPayloadContentExtension, "valueCode", s.payload);
    w.EndObject();
  } else if (s.payload == "full-resource") {
    kv(w, "payload", kFhirJson);  // R4 has no id-only: id-only and empty send a ping, the daemon polls
  }
  if (!s.bearer_token.empty()) {
    w.Key("header");
    w.StartArray();
    str(w, "Authorization: Bearer " + s.bearer_token);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string buildSubscription(const SubscriptionSettings& s, const AnalyteCodeSet& codes, const std::optional<std::string>& id) {
  const bool backport = s.backport_topic.has_value();
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  kv(w, "resourceType", "Subscription");
  if (id) kv(w, "id", *id);
  writeMeta(w, s.trial_id, backport);
  if (!s.hmac_secret.empty()) {
    w.Key("extension");
    oneExtension(w, kMedplumSecretExtension, "valueString", s.hmac_secret);
  }
  kv(w, "status", "requested");
  kv(w, "reason", subscriptionReason(s.trial_id, codes.analyte));
  if (backport) {
    kv(w, "criteria", *s.backport_topic);
    w.Key("_criteria");
    w.StartObject();
    w.Key("extension");
    oneExtension(w, kFilterCriteriaExtension, "valueString", subscriptionCriteria(codes));
    w.EndObject();
  } else {
    kv(w, "criteria", subscriptionCriteria(codes));
  }
  writeChannel(w, s, backport);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

BackportSupport detectBackport(const std::string& capability_statement) {
  BackportSupport out;
  rapidjson::Document d;
  common::parseBounded(d, capability_statement);
  if (d.HasParseError() || !d.IsObject()) return out;
  if (const fhir::JsonValue* inst = fhir::findMember(d, "instantiates"); inst && inst->IsArray()) {
    for (const auto& i : inst->GetArray()) {
      const std::string_view v = fhir::textOf(i);
      if (v.rfind(kBackportServer, 0) == 0) out.offered = true;  // -r4 too
    }
  }
  const fhir::JsonValue* rest = fhir::findMember(d, "rest");
  if (!rest || !rest->IsArray()) return out;
  for (const auto& server : rest->GetArray()) {
    const fhir::JsonValue* resources = fhir::findMember(server, "resource");
    if (!resources || !resources->IsArray()) continue;
    for (const auto& res : resources->GetArray()) {
      const std::string type = text(res, "type");
      if (type == "SubscriptionTopic") out.offered = true;
      if (type != "Subscription") continue;
      for (const char* key : {"supportedProfile", "profile"}) {
        const fhir::JsonValue* p = fhir::findMember(res, key);
        if (p && p->IsArray()) {
          for (const auto& v : p->GetArray())
            out.offered |= fhir::textOf(v) == kBackportSubscriptionProfile;
        } else if (p && p->IsString()) {
          out.offered |= fhir::textOf(*p) == kBackportSubscriptionProfile;
        }
      }
      if (const fhir::JsonValue* ext = fhir::findMember(res, "extension"); ext && ext->IsArray()) {
        for (const auto& e : ext->GetArray()) {
          if (!e.IsObject() || text(e, "url") != kTopicCanonicalExtension) continue;
          std::string topic = text(e, "valueCanonical");
          if (topic.empty()) topic = text(e, "valueUri");
          if (!topic.empty()) {
            out.topics.push_back(topic);
            out.offered = true;
          }
        }
      }
    }
  }
  return out;
}

std::vector<SubscriptionInfo> subscriptionsInBundle(const std::string& bundle, const std::string& trial_id,
                                                    std::optional<std::string>* next_link) {
  std::vector<SubscriptionInfo> out;
  if (next_link) next_link->reset();
  rapidjson::Document d;
  common::parseBounded(d, bundle);
  if (d.HasParseError() || !d.IsObject() || text(d, "resourceType") != "Bundle")
    throw net::FhirError(0, "protocol", "the Subscription search did not return a Bundle");
  if (const fhir::JsonValue* entries = fhir::findMember(d, "entry"); entries && entries->IsArray()) {
    for (const auto& e : entries->GetArray()) {
      const fhir::JsonValue* r = e.IsObject() ? fhir::findMember(e, "resource") : nullptr;
      if (!r || !r->IsObject() || text(*r, "resourceType") != "Subscription") continue;
      if (!hasOurTag(*r, trial_id)) continue;  // a server that ignored _tag must not make us touch others
      out.push_back(infoOf(*r, trial_id));
    }
  }
  if (next_link) {
    if (const fhir::JsonValue* links = fhir::findMember(d, "link"); links && links->IsArray()) {
      for (const auto& l : links->GetArray()) {
        if (l.IsObject() && text(l, "relation") == "next" && !text(l, "url").empty()) *next_link = text(l, "url");
      }
    }
  }
  return out;
}

std::string formatSubscriptionLine(const SubscriptionInfo& i) {
  auto orDash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  return orDash(i.id) + "\t" + orDash(i.status) + "\t" + orDash(i.analyte) + "\t" + orDash(i.endpoint);
}

BackportSupport SubscriptionManager::backportSupport() {
  net::HttpResponse r = client_.get("metadata");
  if (!ok(r.status)) fail("GET metadata", r);
  return detectBackport(r.body);
}

std::vector<SubscriptionInfo> SubscriptionManager::list() {
  std::vector<SubscriptionInfo> out;
  std::set<std::string> seen;
  std::optional<std::string> next =
      "Subscription?_tag=" + sync::encodeQueryValue(std::string(kSubscriptionTagSystem) + "|" + trial_id_) + "&_count=100";
  for (int page = 0; next && page < 1000; ++page) {
    net::HttpResponse r = client_.get(*next);
    if (!ok(r.status)) fail("GET Subscription", r);
    for (SubscriptionInfo& info : subscriptionsInBundle(r.body, trial_id_, &next)) {
      if (seen.insert(info.id).second) out.push_back(std::move(info));
    }
  }
  return out;
}

SubscriptionInfo SubscriptionManager::parseWritten(const net::HttpResponse& r) {
  rapidjson::Document d;
  common::parseBounded(d, r.body);
  if (d.HasParseError() || !d.IsObject() || text(d, "resourceType") != "Subscription") {
    // Prefer: return=minimal, or a server that answers without a body: the id from Location.
    SubscriptionInfo info;
    if (auto loc = r.header("location")) {
      const auto at = loc->find("Subscription/");
      if (at != std::string::npos) {
        info.id = loc->substr(at + 13);
        info.id = info.id.substr(0, info.id.find('/'));
      }
    }
    info.status = "requested";
    return info;
  }
  return infoOf(d, trial_id_);
}

std::vector<SubscriptionManager::Change> SubscriptionManager::registerAll(const SubscriptionSettings& settings,
                                                                          const std::vector<AnalyteCodeSet>& codes) {
  std::vector<Change> changes;
  std::map<std::string, SubscriptionInfo> keep;  // analyte -> the one we update
  std::vector<SubscriptionInfo> extra;           // duplicates, or analytes no longer configured
  std::set<std::string> wanted;
  for (const auto& c : codes)
    wanted.insert(c.analyte);
  for (SubscriptionInfo& info : list()) {
    if (wanted.count(info.analyte) && !keep.count(info.analyte))
      keep.emplace(info.analyte, std::move(info));
    else
      extra.push_back(std::move(info));
  }
  for (const AnalyteCodeSet& set : codes) {
    net::HttpRequest req;
    auto found = keep.find(set.analyte);
    const bool update = found != keep.end();
    if (update) {
      req.method = "PUT";
      req.url = "Subscription/" + found->second.id;
      req.body = buildSubscription(settings, set, found->second.id);
    } else {
      req.method = "POST";
      req.url = "Subscription";
      req.body = buildSubscription(settings, set);
    }
    req.headers["prefer"] = "return=representation";
    net::HttpResponse r = client_.send(req);
    if (!ok(r.status)) fail(req.method + " " + req.url, r);
    Change c{update ? "updated" : "created", parseWritten(r)};
    if (c.subscription.id.empty() && update) c.subscription.id = found->second.id;
    if (c.subscription.analyte.empty()) c.subscription.analyte = set.analyte;
    if (c.subscription.endpoint.empty()) c.subscription.endpoint = settings.endpoint;
    changes.push_back(std::move(c));
  }
  for (SubscriptionInfo& info : extra)
    changes.push_back(remove(std::move(info)));
  return changes;
}

std::vector<SubscriptionManager::Change> SubscriptionManager::removeAll() {
  std::vector<Change> changes;
  for (SubscriptionInfo& info : list()) {
    if (!info.id.empty()) changes.push_back(remove(std::move(info)));
  }
  return changes;
}

SubscriptionManager::Change SubscriptionManager::remove(SubscriptionInfo info) {
  net::HttpRequest req;
  req.method = "DELETE";
  req.url = "Subscription/" + info.id;
  net::HttpResponse r = client_.send(req);
  if (!ok(r.status) && r.status != 404 && r.status != 410) fail("DELETE " + req.url, r);
  return {"removed", std::move(info)};
}

}  // namespace fa::daemon

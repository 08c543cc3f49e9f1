// The Subscription builders of `fhir-adapter subscription register|list|delete`.
#include "daemon/subscription_manager.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace fa::daemon {
namespace {

AnalyteCodeSet bili() {
  return {"BILI", {"http://loinc.org|1975-2", "http://loinc.org|42719-5"}};
}

SubscriptionSettings settings() {
  SubscriptionSettings s;
  s.trial_id = "NCT05106972";
  s.endpoint = "https://adapter.hospital.example:8443/notify";
  s.bearer_token = "callback-token-123";
  return s;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(SubscriptionBuilder, CriteriaIsTheCodeSetWithoutStatusFilter) {
  const std::string c = subscriptionCriteria(bili());
  EXPECT_EQ(c, "Observation?code=http%3A%2F%2Floinc.org%7C1975-2,http%3A%2F%2Floinc.org%7C42719-5");
  EXPECT_EQ(c.find("status"), std::string::npos);
  auto d = parse(buildSubscription(settings(), bili()));
  EXPECT_STREQ(d["criteria"].GetString(), c.c_str());
}

TEST(SubscriptionBuilder, R4FullResourceWithHeaderAndTag) {
  auto d = parse(buildSubscription(settings(), bili()));
  EXPECT_STREQ(d["resourceType"].GetString(), "Subscription");
  EXPECT_STREQ(d["status"].GetString(), "requested");
  EXPECT_STREQ(d["reason"].GetString(), "fhir-adapter NCT05106972 BILI");
  EXPECT_FALSE(d.HasMember("id"));
  const auto& ch = d["channel"];
  EXPECT_STREQ(ch["type"].GetString(), "rest-hook");
  EXPECT_STREQ(ch["endpoint"].GetString(), "https://adapter.hospital.example:8443/notify");
  EXPECT_STREQ(ch["payload"].GetString(), "application/fhir+json");
  ASSERT_EQ(ch["header"].Size(), 1u);
  EXPECT_STREQ(ch["header"][0].GetString(), "Authorization: Bearer callback-token-123");
  const auto& tag = d["meta"]["tag"][0];
  EXPECT_STREQ(tag["system"].GetString(), kSubscriptionTagSystem);
  EXPECT_STREQ(tag["code"].GetString(), "NCT05106972");
  EXPECT_FALSE(d["meta"].HasMember("profile"));
  EXPECT_FALSE(d.HasMember("extension"));
}

TEST(SubscriptionBuilder, R4EmptyAndIdOnlyOmitPayloadNoTokenNoHeader) {
  for (const char* payload : {"empty", "id-only"}) {
    SubscriptionSettings s = settings();
    s.payload = payload;
    s.bearer_token.clear();
    auto d = parse(buildSubscription(s, bili(), std::string("sub-1")));
    EXPECT_FALSE(d["channel"].HasMember("payload")) << payload;
    EXPECT_FALSE(d["channel"].HasMember("header")) << payload;
    EXPECT_STREQ(d["id"].GetString(), "sub-1");
  }
}

TEST(SubscriptionBuilder, MedplumSecretExtensionWithHmacSecret) {
  SubscriptionSettings s = settings();
  s.hmac_secret = "hmac-secret-xyz";
  auto d = parse(buildSubscription(s, bili()));
  ASSERT_TRUE(d.HasMember("extension"));
  EXPECT_STREQ(d["extension"][0]["url"].GetString(), kMedplumSecretExtension);
  EXPECT_STREQ(d["extension"][0]["valueString"].GetString(), "hmac-secret-xyz");
}

TEST(SubscriptionBuilder, BackportShape) {
  SubscriptionSettings s = settings();
  s.payload = "id-only";
  s.backport_topic = "http://example.org/SubscriptionTopic/observation-changed";
  auto d = parse(buildSubscription(s, bili()));
  EXPECT_STREQ(d["meta"]["profile"][0].GetString(), kBackportSubscriptionProfile);
  EXPECT_STREQ(d["meta"]["tag"][0]["code"].GetString(), "NCT05106972");
  EXPECT_STREQ(d["criteria"].GetString(), "http://example.org/SubscriptionTopic/observation-changed");
  const auto& filter = d["_criteria"]["extension"][0];
  EXPECT_STREQ(filter["url"].GetString(),
               "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria");
  EXPECT_EQ(std::string(filter["valueString"].GetString()), subscriptionCriteria(bili()));
  const auto& ch = d["channel"];
  EXPECT_STREQ(ch["payload"].GetString(), "application/fhir+json");
  const auto& content = ch["_payload"]["extension"][0];
  EXPECT_STREQ(content["url"].GetString(),
               "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content");
  EXPECT_STREQ(content["valueCode"].GetString(), "id-only");
  EXPECT_STREQ(ch["header"][0].GetString(), "Authorization: Bearer callback-token-123");
}

TEST(SubscriptionBuilder, DetectsBackportFromCapabilityStatement) {
  EXPECT_FALSE(detectBackport(R"({"resourceType":"CapabilityStatement","fhirVersion":"4.0.1",
    "rest":[{"resource":[{"type":"Observation"},{"type":"Subscription"}]}]})")
                   .offered);
  EXPECT_FALSE(detectBackport("not json").offered);
  auto b = detectBackport(R"({"resourceType":"CapabilityStatement","rest":[{"resource":[{"type":"Subscription",
    "supportedProfile":["http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription"],
    "extension":[{"url":"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical","valueCanonical":"http://x.org/topic/encounter"},
                 {"url":"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical","valueCanonical":"http://x.org/topic/Observation-change"}]}]}]})");
  EXPECT_TRUE(b.offered);
  ASSERT_EQ(b.topics.size(), 2u);
  EXPECT_EQ(b.chosenTopic().value_or(""), "http://x.org/topic/Observation-change");
  auto p = detectBackport(R"({"resourceType":"CapabilityStatement",
    "instantiates":["http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4"]})");
  EXPECT_TRUE(p.offered);
  EXPECT_FALSE(p.chosenTopic().has_value());  // no topic listed: plain R4 form
}

TEST(SubscriptionList, OnlyOursAndNeverTheToken) {
  const std::string ours = buildSubscription(settings(), bili(), std::string("s1"));
  SubscriptionSettings other = settings();
  other.trial_id = "OTHER-TRIAL";
  const std::string theirs = buildSubscription(other, bili(), std::string("s2"));
  const std::string bundle = R"({"resourceType":"Bundle","type":"searchset","entry":[{"resource":)" + ours + R"(},{"resource":)" +
                             theirs + R"(},{"resource":{"resourceType":"Subscription","id":"s3","status":"active"}}],
    "link":[{"relation":"next","url":"http://h/fhir/Subscription?page=2"}]})";
  std::optional<std::string> next;
  auto found = subscriptionsInBundle(bundle, "NCT05106972", &next);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "s1");
  EXPECT_EQ(found[0].analyte, "BILI");
  EXPECT_EQ(found[0].status, "requested");
  EXPECT_EQ(next.value_or(""), "http://h/fhir/Subscription?page=2");
  const std::string line = formatSubscriptionLine(found[0]);
  EXPECT_EQ(line, "s1\trequested\tBILI\thttps://adapter.hospital.example:8443/notify");
  EXPECT_EQ(line.find("callback-token-123"), std::string::npos);
  EXPECT_EQ(line.find("Bearer"), std::string::npos);
}

}  // namespace
}  // namespace fa::daemon

#include "callback/notification_classifier.h"

#include <gtest/gtest.h>

#include "callback/callback_test_support.h"

namespace fa::callback {
namespace {

using test::backportBundle;
using test::observation;
using test::r5Bundle;

std::variant<Notification, Problem> classify(std::string_view method, std::string_view target, std::string_view body,
                                             std::string_view type = "application/fhir+json") {
  return classifyNotification({method, target, type, body}, "/notify");
}

Notification ok(const std::variant<Notification, Problem>& v) {
  if (auto* p = std::get_if<Problem>(&v)) ADD_FAILURE() << p->status << " " << p->diagnostics;
  return std::get<Notification>(v);
}

int status(const std::variant<Notification, Problem>& v) {
  auto* p = std::get_if<Problem>(&v);
  return p ? p->status : 200;
}

TEST(NotificationClassifier, EmptyPostIsAPing) {
  EXPECT_EQ(ok(classify("POST", "/notify", "", "")).shape, Shape::Ping);
  EXPECT_EQ(ok(classify("POST", "/notify/", " \n", "")).shape, Shape::Ping);
}

TEST(NotificationClassifier, HapiAndFirelyPutTheResourceAtEndpointObservationId) {
  const auto n = ok(classify("PUT", "/notify/Observation/obs-1", observation("obs-1", "3")));
  EXPECT_EQ(n.shape, Shape::ResourcePut);
  ASSERT_EQ(n.resources.size(), 1u);
  EXPECT_EQ(n.resources[0].id, "obs-1");
  EXPECT_EQ(n.resources[0].version_id, "3");
  EXPECT_EQ(n.resources[0].json, observation("obs-1", "3"));  // exact text kept
  EXPECT_EQ(n.dedupe_key, "resource:Observation/obs-1/_history/3");
  // Firely sends application/fhir+json with fhirVersion; application/json works too.
  EXPECT_EQ(ok(classify("PUT", "/notify/Observation/obs-1", observation("obs-1", "3"),
                        "application/fhir+json; fhirVersion=4.0; charset=utf-8"))
                .shape,
            Shape::ResourcePut);
  EXPECT_EQ(ok(classify("PUT", "/notify/Observation/obs-1?_format=json", observation("obs-1", "3"), "application/json")).shape,
            Shape::ResourcePut);
}

TEST(NotificationClassifier, MedplumPostsTheResourceToTheEndpoint) {
  const auto n = ok(classify("POST", "/notify", observation("m1", "a7c2")));
  EXPECT_EQ(n.shape, Shape::ResourcePost);
  EXPECT_EQ(n.resources.at(0).id, "m1");
}

TEST(NotificationClassifier, BackportBundles) {
  const auto full =
      ok(classify("POST", "/notify", backportBundle("event-notification", "7", {{"6", "o6"}, {"7", "o7"}}, "full-resource")));
  EXPECT_EQ(full.shape, Shape::EventFull);
  EXPECT_EQ(full.resources.size(), 2u);
  EXPECT_EQ(full.event_numbers, (std::vector<std::int64_t>{6, 7}));
  EXPECT_EQ(full.subscription, "https://fhir.example/fhir/Subscription/sub1");
  EXPECT_FALSE(full.dedupe_key.empty());

  const auto ids = ok(classify("POST", "/notify", backportBundle("event-notification", "8", {{"8", "o8"}}, "id-only")));
  EXPECT_EQ(ids.shape, Shape::EventIdOnly);
  EXPECT_EQ(ids.observation_ids, (std::vector<std::string>{"o8"}));

  const auto empty = ok(classify("POST", "/notify", backportBundle("event-notification", "9", {{"9", ""}}, "empty")));
  EXPECT_EQ(empty.shape, Shape::EventEmpty);
  EXPECT_EQ(empty.event_numbers, (std::vector<std::int64_t>{9}));

  EXPECT_EQ(ok(classify("POST", "/notify", backportBundle("handshake", "0", {}, "empty"))).shape, Shape::Handshake);
  const auto hb = ok(classify("POST", "/notify", backportBundle("heartbeat", "9", {}, "empty")));
  EXPECT_EQ(hb.shape, Shape::Heartbeat);
  EXPECT_EQ(hb.events_since_start, 9);
}

TEST(NotificationClassifier, R5AndR4BSubscriptionNotificationBundles) {
  const auto full = ok(classify("POST", "/notify", r5Bundle("event-notification", "3", {{"3", "x3"}}, true)));
  EXPECT_EQ(full.shape, Shape::EventFull);
  EXPECT_EQ(full.subscription, "Subscription/r5");
  const auto ids = ok(classify("POST", "/notify", r5Bundle("event-notification", "4", {{"4", "x4"}}, false)));
  EXPECT_EQ(ids.shape, Shape::EventIdOnly);
  EXPECT_EQ(ids.observation_ids, (std::vector<std::string>{"x4"}));
  EXPECT_EQ(ok(classify("POST", "/notify", r5Bundle("heartbeat", "4", {}, false))).shape, Shape::Heartbeat);
  EXPECT_EQ(ok(classify("POST", "/notify", r5Bundle("handshake", "0", {}, false))).shape, Shape::Handshake);
}

TEST(NotificationClassifier, RetriesShareTheDedupeKeyOtherContentDoesNot) {
  auto a = ok(classify("POST", "/notify", backportBundle("event-notification", "7", {{"7", "o7"}}, "full-resource"))).dedupe_key;
  auto b = ok(classify("POST", "/notify", backportBundle("event-notification", "7", {{"7", "o7"}}, "full-resource"))).dedupe_key;
  auto c = ok(classify("POST", "/notify", backportBundle("event-notification", "7", {{"7", "o8"}}, "full-resource"))).dedupe_key;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // a server that reset its counters
}

TEST(NotificationClassifier, ProblemsAre400Or415WithoutValuesFromTheBody) {
  EXPECT_EQ(status(classify("POST", "/notify", observation("o1", "1"), "text/plain")), 415);
  EXPECT_EQ(status(classify("POST", "/notify", "{not json")), 400);
  EXPECT_EQ(status(classify("POST", "/notify", R"({"resourceType":"Patient","id":"p1","name":[{"family":"Secret"}]})")), 400);
  auto patient = classify("POST", "/notify", R"({"resourceType":"Patient","id":"p1","name":[{"family":"Secret"}]})");
  EXPECT_EQ(std::get<Problem>(patient).diagnostics.find("Secret"), std::string::npos);
  EXPECT_EQ(status(classify("PUT", "/notify/Observation/o1", observation("o2", "1"))), 400);  // id mismatch
  EXPECT_EQ(status(classify("POST", "/notify", R"({"resourceType":"Bundle","type":"searchset","entry":[]})")), 400);
  EXPECT_EQ(status(classify(
                "POST", "/notify",
                R"({"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Observation","id":"x"}}]})")),
            400);
  EXPECT_EQ(status(classify("POST", "/notify", backportBundle("bogus", "1", {}, "empty"))), 400);
  EXPECT_EQ(status(classify("PUT", "/notify/Observation/o1", "")), 400);
  EXPECT_EQ(status(classify("GET", "/notify", "")), 405);
  EXPECT_EQ(status(classify("POST", "/elsewhere", "")), 404);
  EXPECT_EQ(status(classify("PUT", "/notify/Observation/a/b", observation("a", "1"))), 404);
  const std::string oo = operationOutcome({415, "not-supported", "Content-Type \"x\""});
  EXPECT_EQ(
      oo,
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-supported","diagnostics":"Content-Type \"x\""}]})");
}

// A 1 MB notification nested 500,000 deep crashed the daemon (stack overflow in the parse and
// in collectModifierExtensions). Now it is a 400 like any invalid JSON: as a whole body, and as
// the status resource inside a notification Bundle.
TEST(NotificationClassifier, NestingPastTheLimitIs400) {
  const std::string deep = std::string(500'000, '[') + std::string(500'000, ']');
  EXPECT_EQ(status(classify("POST", "/notify", R"({"resourceType":"Observation","id":"o1","x":)" + deep + "}")), 400);
  EXPECT_EQ(status(classify("PUT", "/notify/Observation/o1", R"({"resourceType":"Observation","id":"o1","x":)" + deep + "}")),
            400);
  const std::string bundle =
      R"({"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters","x":)" + deep + "}}]}";
  EXPECT_EQ(status(classify("POST", "/notify", bundle)), 400);
}

// A type from the body is quoted only when it is a short token: a megabyte or invalid UTF-8 is
// not repeated into the answer (or the log line that reports the rejection).
TEST(NotificationClassifier, OddTypesAreNotEchoed) {
  const std::string huge = std::string(1 << 20, 'A');
  auto p = classify("POST", "/notify", R"({"resourceType":")" + huge + R"(","id":"x"})");
  ASSERT_EQ(status(p), 400);
  EXPECT_LT(std::get<Problem>(p).diagnostics.size(), 200u);
  EXPECT_NE(std::get<Problem>(p).diagnostics.find("an unrecognised value"), std::string::npos);
  auto bad = classify("POST", "/notify", "{\"resourceType\":\"Obs\xff\xfe\",\"id\":\"x\"}");
  ASSERT_EQ(status(bad), 400);
  EXPECT_EQ(std::get<Problem>(bad).diagnostics.find("\xff"), std::string::npos);
  auto token = classify("POST", "/notify", R"({"resourceType":"Basic","id":"x"})");
  EXPECT_NE(std::get<Problem>(token).diagnostics.find("not Basic"), std::string::npos);  // a token is still named
}

TEST(NotificationClassifier, AResourceWithoutMetaIsReadById) {
  const auto n = ok(classify("PUT", "/notify/Observation/o5", R"({"resourceType":"Observation","id":"o5","status":"final"})"));
  EXPECT_TRUE(n.resources.empty());
  EXPECT_EQ(n.observation_ids, (std::vector<std::string>{"o5"}));
}

}  // namespace
}  // namespace fa::callback

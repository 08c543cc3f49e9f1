#include "callback/caller_auth.h"

#include <gtest/gtest.h>

namespace fa::callback {
namespace {

TEST(CallerAuth, HmacSha256HexMatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CallerAuth, NothingConfiguredAcceptsAll) {
  CallerAuth auth({});
  EXPECT_FALSE(auth.anyConfigured());
  EXPECT_EQ(auth.check(std::nullopt, std::nullopt, "x"), AuthFailure::None);
}

TEST(CallerAuth, BearerToken) {
  CallerAuth auth({.bearer_token = "s3cret-token", .hmac_secret = std::nullopt});
  EXPECT_EQ(auth.check("Bearer s3cret-token", std::nullopt, ""), AuthFailure::None);
  EXPECT_EQ(auth.check("bearer  s3cret-token ", std::nullopt, ""), AuthFailure::None);
  EXPECT_EQ(auth.check(std::nullopt, std::nullopt, ""), AuthFailure::MissingToken);
  EXPECT_EQ(auth.check("Bearer s3cret-tokeN", std::nullopt, ""), AuthFailure::BadToken);
  EXPECT_EQ(auth.check("Bearer s3cret-token-longer", std::nullopt, ""), AuthFailure::BadToken);
  EXPECT_EQ(auth.check("Basic s3cret-token", std::nullopt, ""), AuthFailure::BadToken);
  EXPECT_EQ(auth.check("Bearer", std::nullopt, ""), AuthFailure::BadToken);
}

TEST(CallerAuth, MedplumSignature) {
  CallerAuth auth({.bearer_token = std::nullopt, .hmac_secret = "medplum-secret"});
  const std::string body = R"({"resourceType":"Observation","id":"1"})";
  const std::string sig = hmacSha256Hex("medplum-secret", body);
  EXPECT_EQ(auth.check(std::nullopt, sig, body), AuthFailure::None);
  std::string upper = sig;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(auth.check(std::nullopt, upper, body), AuthFailure::None);
  EXPECT_EQ(auth.check(std::nullopt, std::nullopt, body), AuthFailure::MissingSignature);
  EXPECT_EQ(auth.check(std::nullopt, sig, body + " "), AuthFailure::BadSignature);  // the raw bytes are signed
  EXPECT_EQ(auth.check(std::nullopt, hmacSha256Hex("other", body), body), AuthFailure::BadSignature);
}

TEST(CallerAuth, BothConfiguredBothRequired) {
  CallerAuth auth({.bearer_token = "t", .hmac_secret = "k"});
  EXPECT_EQ(auth.check("Bearer t", hmacSha256Hex("k", "b"), "b"), AuthFailure::None);
  EXPECT_EQ(auth.check("Bearer t", std::nullopt, "b"), AuthFailure::MissingSignature);
  EXPECT_EQ(auth.check(std::nullopt, hmacSha256Hex("k", "b"), "b"), AuthFailure::MissingToken);
}

TEST(CallerAuth, SecretsEqual) {
  EXPECT_TRUE(secretsEqual("abc", "abc"));
  EXPECT_FALSE(secretsEqual("abc", "abd"));
  EXPECT_FALSE(secretsEqual("abc", "abcd"));
  EXPECT_TRUE(secretsEqual("", ""));
}

}  // namespace
}  // namespace fa::callback

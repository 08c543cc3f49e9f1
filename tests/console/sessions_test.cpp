// Sessions, cookies, CSRF tokens and login throttling, on an injected clock (no waiting).
#include "console/sessions.h"

#include <gtest/gtest.h>

#include "console/login_guard.h"

namespace fa::console {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(100)};
  SteadyNow fn() {
    return [this] { return now; };
  }
};

TEST(Sessions, TokensAre256BitRandomHex) {
  const std::string a = randomToken(), b = randomToken();
  EXPECT_EQ(a.size(), 64u);  // 32 bytes, two hex digits each
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_TRUE(sameToken(a, a));
  EXPECT_FALSE(sameToken(a, b));
  EXPECT_FALSE(sameToken("", ""));  // an empty CSRF field never matches
  EXPECT_FALSE(sameToken(a, a.substr(1)));
}

TEST(Sessions, CookieIsHttpOnlySecureStrict) {
  const std::string c = SessionStore::cookie("abc");
  EXPECT_EQ(c, "fa_session=abc; Path=/; HttpOnly; Secure; SameSite=Strict");
  EXPECT_NE(SessionStore::expiredCookie().find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(cookieValue("theme=dark; fa_session=tok; x=1", "fa_session"), "tok");
  EXPECT_EQ(cookieValue("xfa_session=evil", "fa_session"), "");
  EXPECT_EQ(cookieValue("", "fa_session"), "");
}

TEST(Sessions, EachSessionHasItsOwnCsrfToken) {
  FakeClock clock;
  SessionStore store({}, clock.fn());
  const std::string t1 = store.create("jsmith"), t2 = store.create("other");
  auto s1 = store.find(t1), s2 = store.find(t2);
  ASSERT_TRUE(s1 && s2);
  EXPECT_EQ(s1->login, "jsmith");
  EXPECT_EQ(s1->csrf.size(), 64u);
  EXPECT_NE(s1->csrf, s2->csrf);
  EXPECT_NE(s1->csrf, t1);  // the CSRF token is not the cookie
  EXPECT_FALSE(store.find(std::string(64, '0')));
  EXPECT_FALSE(store.find("short"));
}

TEST(Sessions, IdleTimeoutEndsAnUnusedSession) {
  FakeClock clock;
  SessionStore store({.idle = 15min, .lifetime = 8h}, clock.fn());
  const std::string t = store.create("jsmith");
  clock.now += 14min;
  EXPECT_TRUE(store.find(t));  // used at 14 min: the idle time starts again
  clock.now += 14min;          // 28 min since creation, 14 since last use
  EXPECT_TRUE(store.find(t));
  clock.now += 15min;  // 15 min unused: gone
  EXPECT_FALSE(store.find(t));
  EXPECT_EQ(store.size(), 0u);
}

TEST(Sessions, AbsoluteLifetimeEndsEvenABusySession) {
  FakeClock clock;
  SessionStore store({.idle = 15min, .lifetime = 1h}, clock.fn());
  const std::string t = store.create("jsmith");
  for (int i = 0; i < 5; ++i) {  // used every 10 minutes: 0:10 ... 0:50
    clock.now += 10min;
    EXPECT_TRUE(store.find(t)) << i;
  }
  clock.now += 10min;  // 1:00 after creation
  EXPECT_FALSE(store.find(t));
}

TEST(Sessions, LogoutEndsTheSession) {
  FakeClock clock;
  SessionStore store({}, clock.fn());
  const std::string t = store.create("jsmith");
  store.end(t);
  EXPECT_FALSE(store.find(t));
}

TEST(Sessions, AnonymousLoginFormSessionsAreBounded) {
  FakeClock clock;
  SessionStore store({.max_sessions = 3}, clock.fn());
  const std::string first = store.create("");
  for (int i = 0; i < 5; ++i) {
    clock.now += 1s;
    store.create("");
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.find(first));  // the least recently used went first
}

TEST(LoginGuard, LocksAfterFiveFailuresForFifteenMinutes) {
  FakeClock clock;
  LoginGuard guard({.max_failures = 5, .lockout = 15min, .max_attempts_per_minute = 100}, clock.fn());
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(guard.admit("jsmith"), LoginGate::Open);
    EXPECT_FALSE(guard.failed("jsmith")) << i;
  }
  EXPECT_EQ(guard.admit("jsmith"), LoginGate::Open);
  EXPECT_TRUE(guard.failed("jsmith"));  // the 5th failure locks
  EXPECT_EQ(guard.admit("jsmith"), LoginGate::Locked);
  EXPECT_EQ(guard.admit("other"), LoginGate::Open);  // only that login
  clock.now += 14min;
  EXPECT_EQ(guard.admit("jsmith"), LoginGate::Locked);
  clock.now += 1min;
  EXPECT_EQ(guard.admit("jsmith"), LoginGate::Open);
}

TEST(LoginGuard, SuccessClearsTheFailures) {
  FakeClock clock;
  LoginGuard guard({.max_failures = 3, .lockout = 15min, .max_attempts_per_minute = 100}, clock.fn());
  guard.failed("jsmith");
  guard.failed("jsmith");
  guard.succeeded("jsmith");
  EXPECT_FALSE(guard.failed("jsmith"));  // 1 of 3 again, not 3 of 3
  EXPECT_FALSE(guard.failed("jsmith"));
  EXPECT_TRUE(guard.failed("jsmith"));
}

TEST(LoginGuard, RateLimitsAllAttemptsPerMinute) {
  FakeClock clock;
  LoginGuard guard({.max_failures = 100, .lockout = 1min, .max_attempts_per_minute = 3}, clock.fn());
  EXPECT_EQ(guard.admit("a"), LoginGate::Open);
  EXPECT_EQ(guard.admit("b"), LoginGate::Open);
  EXPECT_EQ(guard.admit("c"), LoginGate::Open);
  EXPECT_EQ(guard.admit("d"), LoginGate::RateLimited);  // 4th within the minute, whatever the login
  clock.now += 60s;
  EXPECT_EQ(guard.admit("d"), LoginGate::Open);
}

}  // namespace
}  // namespace fa::console

// The console's pages and forms through ConsoleApp::handle (no sockets): sessions, CSRF,
// escaping, throttling, limits, the security headers, and a signed override that a new source
// version voids. A real store and a real audit log in a temporary folder.
#include "console/console_app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "audit/audit_query.h"
#include "audit/audit_verify.h"
#include "console/accounts_file.h"
#include "store/observation_store.h"

namespace fa::console {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const HashCost kCheap{64, 1, 1};
const char* kPassword = "correct horse battery";

engine::OutcomeRecord highBili(const std::string& version, const char* value) {
  engine::OutcomeRecord r;
  r.resource_id = "ob1";
  r.subject_id = "S01";
  r.analyte = "BILI";
  r.observation = "Observation/ob1/_history/" + version;
  r.status = "final";
  r.effective = "2026-03-01";
  r.study_day = 1;
  r.visit = "BASELINE";
  r.selected = true;
  r.baseline = true;
  r.value = *core::Decimal::parse(value);
  r.unit = "umol/L";
  r.source_value = value;
  r.source_unit = "umol/L";
  r.range.low = *core::Decimal::parse("3.4");
  r.range.high = *core::Decimal::parse("20.5");
  r.ref_source = core::RangeSource::Site;
  r.flag = core::Flag::High;
  r.ctcae_grade = 2;
  return r;
}

struct ConsoleFixture : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("fa-console-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::chrono::steady_clock::time_point now{std::chrono::hours(100)};
  std::unique_ptr<ConsoleApp> app;

  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    saveAccounts(dir / "users", {{"jsmith", "J. Smith", Role::Monitor, false, hashPassword(kPassword, kCheap), "t"},
                                 {"dm", "D. Manager", Role::DataManager, false, hashPassword(kPassword, kCheap), "t"},
                                 {"viewer", "V. Iewer", Role::Viewer, false, hashPassword(kPassword, kCheap), "t"}});
    storeRecord("1", "40");
    ConsoleContext ctx;
    ctx.settings.users_file = dir / "users";
    ctx.settings.logins.max_attempts_per_minute = 1000;
    ctx.store_path = dir / "adapter.db";
    ctx.audit.dir = dir / "audit";
    ctx.audit.fsync = audit::FsyncPolicy::Never;
    ctx.base_url = "https://fhir.example/fhir";
    ctx.site_zone = core::TimeZone::fixedOffset(8 * 60);
    ctx.now = [this] { return now; };
    app = std::make_unique<ConsoleApp>(ctx);
  }
  void TearDown() override { fs::remove_all(dir); }

  void storeRecord(const std::string& version, const char* value) {
    store::ObservationStore s((dir / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    s.putVersion({"ob1", version, "2026-03-01T08:00:00Z", "final", R"({"resourceType":"Observation","id":"ob1"})", "poll"},
                 "2026-03-01T08:00:00Z");
    engine::OutcomeRecords records;
    records.push_back(highBili(version, value));
    auto tx = s.transaction();
    s.replaceRecords(records, "rules-1", "2026-03-01T08:00:00Z");
    tx.commit();
  }

  callback::ServerResponse send(const std::string& method, const std::string& target, const std::string& cookie = "",
                                const std::string& body = "") {
    callback::ServerRequest r;
    r.method = method;
    r.target = target;
    if (!cookie.empty()) r.headers["cookie"] = "fa_session=" + cookie;
    r.body = body;
    return app->handle(r);
  }

  static std::string cookieOf(const callback::ServerResponse& res) {
    auto it = res.headers.find("set-cookie");
    if (it == res.headers.end()) return "";
    std::smatch m;
    std::regex re("fa_session=([0-9a-f]*)");
    return std::regex_search(it->second, m, re) ? m[1].str() : "";
  }
  static std::string csrfOf(const std::string& html) {
    std::smatch m;
    std::regex re("name=\"csrf\" value=\"([0-9a-f]{64})\"");
    return std::regex_search(html, m, re) ? m[1].str() : "";
  }

  struct Login {
    std::string cookie, csrf;
  };
  Login login(const std::string& who, const std::string& password = kPassword) {
    auto form = send("GET", "/login");
    const std::string anon = cookieOf(form);
    auto res = send("POST", "/login", anon, "csrf=" + csrfOf(form.body) + "&login=" + who + "&password=" + password);
    if (res.status != 303) return {};
    const std::string cookie = cookieOf(res);
    return {cookie, csrfOf(send("GET", "/", cookie).body)};
  }

  std::vector<audit::AuditEntry> entries(const std::string& action) {
    std::vector<audit::AuditEntry> out;
    audit::readEntries(dir / "audit", [&](const audit::AuditEntry& e) {
      if (e.action == action) out.push_back(e);
    });
    return out;
  }
};

TEST_F(ConsoleFixture, EveryAnswerCarriesTheSecurityHeaders) {
  for (auto res :
       {send("GET", "/login"), send("GET", "/"), send("GET", "/static/console.css"), send("PUT", "/"), send("GET", "/nowhere")}) {
    EXPECT_EQ(
        res.headers["content-security-policy"],
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    EXPECT_EQ(res.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(res.headers["referrer-policy"], "no-referrer");
    EXPECT_EQ(res.headers["cache-control"], "no-store");
  }
  EXPECT_EQ(send("PUT", "/").status, 405);
}

TEST_F(ConsoleFixture, NoSessionNoPage) {
  for (const char* path : {"/", "/record?id=ob1", "/subject?id=S01", "/audit"}) {
    auto res = send("GET", path);
    EXPECT_EQ(res.status, 303) << path;
    EXPECT_EQ(res.headers["location"], "/login");
    EXPECT_EQ(res.body.find("S01"), std::string::npos);
  }
  EXPECT_EQ(send("GET", "/", std::string(64, 'a')).status, 303);  // an invented token
  EXPECT_EQ(send("POST", "/review", "", "csrf=x&id=ob1").status, 403);
  EXPECT_TRUE(entries("review_accepted").empty());
}

TEST_F(ConsoleFixture, LoginSetsAStrictCookieAndLogoutEndsIt) {
  Login s = login("jsmith");
  ASSERT_EQ(s.cookie.size(), 64u);
  auto queue = send("GET", "/", s.cookie);
  EXPECT_EQ(queue.status, 200);
  EXPECT_NE(queue.body.find("S01"), std::string::npos);
  EXPECT_NE(queue.body.find("J. Smith (jsmith, monitor)"), std::string::npos);
  EXPECT_EQ(entries("login_succeeded").size(), 1u);
  auto out = send("POST", "/logout", s.cookie, "csrf=" + s.csrf);
  EXPECT_EQ(out.status, 303);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(send("GET", "/", s.cookie).status, 303);
}

TEST_F(ConsoleFixture, TheLoginFormNeedsItsOwnCsrfToken) {
  auto form = send("GET", "/login");
  EXPECT_NE(form.headers["set-cookie"].find("HttpOnly; Secure; SameSite=Strict"), std::string::npos);
  auto res = send("POST", "/login", cookieOf(form), "csrf=" + std::string(64, 'b') + "&login=jsmith&password=" + kPassword);
  EXPECT_EQ(res.status, 403);
  EXPECT_TRUE(entries("login_succeeded").empty());
}

TEST_F(ConsoleFixture, CsrfTokenOfAnotherSessionIsRefused) {
  Login mine = login("jsmith");
  Login theirs = login("dm");
  auto res = send("POST", "/review", mine.cookie,
                  "csrf=" + theirs.csrf +
                      "&id=ob1&version=Observation/ob1/_history/1"
                      "&decision=accept&meaning=reviewed&password=" +
                      kPassword);
  EXPECT_EQ(res.status, 403);
  EXPECT_NE(res.body.find("CSRF"), std::string::npos);
  EXPECT_TRUE(entries("review_accepted").empty());
  EXPECT_EQ(send("POST", "/logout", mine.cookie, "").status, 403);  // no token at all
}

TEST_F(ConsoleFixture, BruteForceLocksTheAccountAndIsAudited) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login("jsmith", "wrong password " + std::to_string(i)).cookie, "") << i;
  EXPECT_EQ(entries("login_failed").size(), 5u);
  ASSERT_EQ(entries("account_locked").size(), 1u);  // the 5th failure locked it
  EXPECT_EQ(entries("account_locked")[0].detail("login"), "jsmith");
  EXPECT_EQ(login("jsmith").cookie, "");  // even the right password, while locked
  for (const auto& e : entries("login_failed"))
    EXPECT_EQ(e.details.count("password"), 0u);
  now += 15min;  // the lockout ends
  EXPECT_NE(login("jsmith").cookie, "");
}

TEST_F(ConsoleFixture, ScriptInAReasonIsEscapedEverywhere) {
  Login s = login("jsmith");
  auto res = send("POST", "/review", s.cookie,
                  "csrf=" + s.csrf +
                      "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=override&override_flag=normal"
                      "&reason_code=other&note=%3Cscript%3Ealert(1)%3C%2Fscript%3E&meaning=reviewed&password=" +
                      kPassword);
  ASSERT_EQ(res.status, 303) << res.body;
  for (const char* path : {"/record?id=ob1", "/audit"}) {
    auto html = send("GET", path, s.cookie).body;
    EXPECT_EQ(html.find("<script>"), std::string::npos) << path;
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos) << path;
  }
}

TEST_F(ConsoleFixture, OversizedAndMalformedFormsAreRefused) {
  Login s = login("jsmith");
  const std::string big = "csrf=" + s.csrf + "&note=" + std::string(5000, 'x');  // over 4096 bytes in one field
  EXPECT_EQ(send("POST", "/review", s.cookie, big).status, 413);
  std::string many = "csrf=" + s.csrf;
  for (int i = 0; i < 40; ++i)
    many += "&f" + std::to_string(i) + "=1";  // 41 fields, over 32
  EXPECT_EQ(send("POST", "/review", s.cookie, many).status, 413);
  EXPECT_EQ(send("POST", "/review", s.cookie, "csrf=%zz").status, 413);     // bad escape
  EXPECT_EQ(send("POST", "/review", s.cookie, "note=%ff%fe").status, 413);  // not UTF-8
  EXPECT_TRUE(entries("review_overridden").empty());
}

TEST_F(ConsoleFixture, PatientDataInANoteIsWarnedBeforeItIsKept) {
  Login s = login("jsmith");
  const std::string form = "csrf=" + s.csrf +
                           "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=override"
                           "&override_flag=normal&reason_code=other&note=born+1960-05-01&meaning=reviewed&password=" +
                           kPassword;
  auto res = send("POST", "/review", s.cookie, form);
  EXPECT_EQ(res.status, 422);
  EXPECT_NE(res.body.find("looks like it holds patient data"), std::string::npos);
  // The form comes back as typed: the override flag "normal" and the reason "other" chosen, nothing else.
  const std::regex chosen(" selected>");
  EXPECT_EQ(std::distance(std::sregex_iterator(res.body.begin(), res.body.end(), chosen), std::sregex_iterator()), 2);
  EXPECT_NE(res.body.find("<option selected>normal</option>"), std::string::npos);
  EXPECT_NE(res.body.find("<option selected>other</option>"), std::string::npos);
  EXPECT_NE(res.body.find("value=\"born 1960-05-01\""), std::string::npos);
  EXPECT_TRUE(entries("review_overridden").empty());
  EXPECT_EQ(send("POST", "/review", s.cookie, form + "&confirm_no_patient_data=yes").status, 303);
  EXPECT_EQ(entries("review_overridden").size(), 1u);
}

TEST_F(ConsoleFixture, RolesDecideWhatAReviewIs) {
  Login viewer = login("viewer");
  EXPECT_EQ(send("GET", "/record?id=ob1", viewer.cookie).body.find("name=\"decision\""), std::string::npos);
  EXPECT_EQ(send("POST", "/review", viewer.cookie, "csrf=" + viewer.csrf + "&id=ob1&decision=accept").status, 403);
  Login dm = login("dm");
  auto res = send("POST", "/review", dm.cookie,
                  "csrf=" + dm.csrf + "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=accept&meaning=approved");
  EXPECT_EQ(res.status, 303);
  auto accepted = entries("review_accepted");
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].detail("signer_name"), "");  // a data manager's review is unsigned
  EXPECT_NE(send("GET", "/record?id=ob1", dm.cookie).body.find("waiting for a monitor"), std::string::npos);
  EXPECT_NE(send("GET", "/", dm.cookie).body.find("ob1"), std::string::npos);  // still in the queue
}

TEST_F(ConsoleFixture, WrongSignaturePasswordSignsNothing) {
  Login s = login("jsmith");
  auto res = send("POST", "/review", s.cookie,
                  "csrf=" + s.csrf +
                      "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=accept&meaning=reviewed"
                      "&password=not+my+password");
  EXPECT_EQ(res.status, 401);
  EXPECT_TRUE(entries("review_accepted").empty());
  EXPECT_EQ(entries("signature_failed").size(), 1u);
}

TEST_F(ConsoleFixture, SignedOverrideIsShownThenVoidedByANewSourceVersion) {
  Login s = login("jsmith");
  auto res = send("POST", "/review", s.cookie,
                  "csrf=" + s.csrf +
                      "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=override&override_flag=normal"
                      "&reason_code=other&note=redrawn&meaning=approved&password=" +
                      kPassword);
  ASSERT_EQ(res.status, 303) << res.body;
  auto signedEntry = entries("review_overridden");
  ASSERT_EQ(signedEntry.size(), 1u);
  EXPECT_EQ(signedEntry[0].actor, "jsmith");
  EXPECT_EQ(signedEntry[0].detail("signer_name"), "J. Smith");
  EXPECT_EQ(signedEntry[0].detail("signature_meaning"), "approved");
  EXPECT_EQ(signedEntry[0].detail("reason"), "other: redrawn");
  EXPECT_EQ(signedEntry[0].source_ref, "Observation/ob1/_history/1");
  const std::string page = send("GET", "/record?id=ob1", s.cookie).body;
  EXPECT_TRUE(
      std::regex_search(page, std::regex("Signed by J\\. Smith \\(jsmith\\), \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\+08:00, "
                                         "meaning: approved")))
      << page;
  EXPECT_EQ(send("GET", "/", s.cookie).body.find("record?id=ob1"), std::string::npos);  // out of the queue
  audit::VerifyOptions o;
  o.dir = dir / "audit";
  EXPECT_TRUE(audit::verifyLog(o).intact);

  storeRecord("2", "40");  // a new source version, the same value
  const std::string after = send("GET", "/record?id=ob1", s.cookie).body;
  EXPECT_NE(after.find("voided by a data change"), std::string::npos);
  EXPECT_EQ(after.find("Signed by"), std::string::npos);
  EXPECT_NE(send("GET", "/", s.cookie).body.find("record?id=ob1"), std::string::npos);  // back in the queue
  // A form shown for version 1 cannot sign version 2.
  res = send("POST", "/review", s.cookie,
             "csrf=" + s.csrf +
                 "&id=ob1&version=Observation%2Fob1%2F_history%2F1&decision=accept&meaning=reviewed&password=" + kPassword);
  EXPECT_EQ(res.status, 409);
}

TEST_F(ConsoleFixture, AuditPageFiltersAndVerifies) {
  Login s = login("jsmith");
  auto all = send("GET", "/audit", s.cookie).body;
  EXPECT_NE(all.find("login_succeeded"), std::string::npos);
  auto filtered = send("GET", "/audit?action=review_overridden", s.cookie).body;
  EXPECT_EQ(filtered.find("<td>login_succeeded</td>"), std::string::npos);
  EXPECT_NE(send("GET", "/audit?since=yesterday", s.cookie).body.find("expected YYYY-MM-DD"), std::string::npos);
  auto verified = send("POST", "/audit/verify", s.cookie, "csrf=" + s.csrf);
  EXPECT_EQ(verified.status, 200);
  EXPECT_NE(verified.body.find("audit log intact"), std::string::npos);
}

TEST_F(ConsoleFixture, DisabledAccountLosesItsSession) {
  Login s = login("dm");
  auto accounts = loadAccounts(dir / "users");
  findAccount(accounts, "dm")->disabled = true;
  saveAccounts(dir / "users", accounts);
  EXPECT_EQ(send("GET", "/", s.cookie).status, 303);
  EXPECT_EQ(login("dm").cookie, "");
}

}  // namespace
}  // namespace fa::console

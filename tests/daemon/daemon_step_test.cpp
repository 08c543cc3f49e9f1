// Daemon::step(): the work loop driven with a fake FHIR server (canned responses keyed by URL),
// a temporary SQLite store and audit folder, and a ManualClock. Nothing here sleeps.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "audit/audit_entry.h"
#include "audit/audit_files.h"
#include "daemon/daemon.h"
#include "engine/record_writer.h"
#include "net/auth.h"
#include "support/mappings_copy.h"

namespace fa::daemon {
namespace {

using std::chrono::seconds;

const char* const kBase = "http://fhir.test/fhir";

const char* const kCapabilities = R"({"resourceType":"CapabilityStatement","fhirVersion":"4.0.1","rest":[{"mode":"server",
  "resource":[{"type":"Observation","interaction":[{"code":"read"},{"code":"search-type"}]}]}]})";

// A serum bilirubin (LOINC 1975-2) of Patient/p1 in umol/L, version `version`.
std::string bilirubin(const std::string& id, int version, const std::string& value) {
  return R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + std::to_string(version) +
         R"(","lastUpdated":"2026-02-10T01:0)" + std::to_string(version) + R"(:00Z"},"status":"final",
  "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
  "code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},
  "effectiveDateTime":"2026-02-10T08:00:00+08:00",
  "valueQuantity":{"value":)" +
         value + R"(,"unit":"umol/L","system":"http://unitsofmeasure.org","code":"umol/L"}})";
}

std::string searchset(const std::vector<std::string>& resources) {
  std::string entries;
  for (const std::string& r : resources)
    entries += (entries.empty() ? "" : ",") + std::string(R"({"resource":)") + r + "}";
  return R"({"resourceType":"Bundle","type":"searchset","entry":[)" + entries + "]}";
}

// The FHIR server: canned responses keyed by a part of the URL (first match in insertion
// order); every other search finds nothing. `failing` makes every request answer that status.
class FakeFhirServer : public net::HttpClient {
 public:
  void on(const std::string& url_part, const std::string& body, int status = 200) { canned_.push_back({url_part, body, status}); }
  void replace(const std::string& url_part, const std::string& body) {
    for (Canned& c : canned_)
      if (c.part == url_part) c.body = body;
  }
  net::HttpResponse send(const net::HttpRequest& request) override {
    requests.push_back(request.url);
    net::HttpResponse r;
    r.status = failing ? failing : 200;
    if (failing) return r;
    r.body = searchset({});
    if (request.url.find("/metadata") != std::string::npos) r.body = kCapabilities;
    for (const Canned& c : canned_) {
      if (request.url.find(c.part) != std::string::npos) {
        r.body = c.body;
        r.status = c.status;
        break;
      }
    }
    return r;
  }
  std::size_t searches() const {
    std::size_t n = 0;
    for (const std::string& url : requests)
      n += url.find("/Observation?") != std::string::npos;
    return n;
  }
  std::vector<std::string> requests;
  int failing = 0;

 private:
  struct Canned {
    std::string part, body;
    int status = 200;
  };
  std::vector<Canned> canned_;
};

class FakePush : public PushSource {
 public:
  callback::ProcessReport process(store::ObservationStore&, net::FhirClient&) override { return std::exchange(next, {}); }
  std::vector<std::string> takeAuthFailures() override { return {}; }
  void reloadCertificates() override { ++cert_reloads; }
  callback::ProcessReport next;
  int cert_reloads = 0;
};

class DaemonStepTest : public ::testing::Test {
 protected:
  DaemonStepTest() : clock_(std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("fa-daemon-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "subjects.csv") << "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-10,2026-02-07\n";
    config_.fhir.base_url = kBase;
    config_.trial = {mappings_.dir(), dir_ / "subjects.csv"};
    config_.store.path = dir_ / "adapter.db";
    config_.audit.dir = dir_ / "audit";
    config_.audit.fsync = audit::FsyncPolicy::Never;
    config_.schedule.interval = seconds(300);
    config_.http.ready_max_age = seconds(960);
    server_ = std::make_shared<FakeFhirServer>();
    net::RetryPolicy once;
    once.max_attempts = 1;  // a failure is reported at once (the retries have their own tests)
    net::Clock noSleep;
    noSleep.sleep = [](std::chrono::milliseconds) {};
    client_ = std::make_unique<net::FhirClient>(kBase, server_, net::makeNoAuth(), once, net::FhirClientObserver{}, noSleep);
    store_ = std::make_unique<store::ObservationStore>(config_.store.path.string(), store::SqliteDb::Mode::ReadWrite);
    audit_ = audit::AuditLog::open(config_.audit);
  }
  ~DaemonStepTest() override {
    daemon_.reset();
    audit_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Daemon& daemon(PushSource* push = nullptr, RunOptions options = {}) {
    daemon_ = std::make_unique<Daemon>(DaemonParts{config_, *store_, *client_, *audit_, push, metrics_, clock_},
                                       loadTrial(config_.trial), options);
    daemon_->start();
    return *daemon_;
  }
  std::vector<std::string> records() const {
    std::vector<std::string> out;
    store_->forEachRecord([&](const engine::OutcomeRecord& r) {
      std::string line;
      engine::appendNdjson(line, r);
      line.pop_back();  // without its newline
      out.push_back(line);
    });
    return out;
  }
  std::vector<std::string> auditActions() const {
    std::vector<std::string> out;
    for (const auto& segment : audit::listSegments(config_.audit.dir))
      audit::forEachLine(segment.path, [&](std::string_view line, std::size_t, bool) {
        if (auto e = audit::parseEntry(line)) out.push_back(e->action);
        return true;
      });
    return out;
  }
  std::optional<audit::AuditEntry> lastEntry(const std::string& action) const {
    std::optional<audit::AuditEntry> found;
    for (const auto& segment : audit::listSegments(config_.audit.dir))
      audit::forEachLine(segment.path, [&](std::string_view line, std::size_t, bool) {
        if (auto e = audit::parseEntry(line); e && e->action == action) found = e;
        return true;
      });
    return found;
  }
  std::size_t count(const std::string& action) const {
    const auto actions = auditActions();
    return static_cast<std::size_t>(std::count(actions.begin(), actions.end(), action));
  }
  double records(const std::string& flag) const { return metrics_.value("fhir_adapter_records", {{"flag", flag}}); }

  test::MappingsCopy mappings_;
  std::filesystem::path dir_;
  ManualClock clock_;
  DaemonConfig config_;
  Metrics metrics_;
  std::shared_ptr<FakeFhirServer> server_;
  std::unique_ptr<net::FhirClient> client_;
  std::unique_ptr<store::ObservationStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonStepTest, FirstStepChecksTheServerSyncsAndCreatesRecords) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  StepReport r = daemon().step();
  EXPECT_EQ(r.problem, ServerProblem::None);
  ASSERT_TRUE(r.pass.has_value());
  EXPECT_EQ(r.pass->new_versions, 1);
  EXPECT_TRUE(r.pass->rescanned);  // the first pass after a start looks for deletions
  EXPECT_TRUE(r.recomputed);
  EXPECT_EQ(server_->requests.front(), std::string(kBase) + "/metadata");
  ASSERT_EQ(records().size(), 1u);
  EXPECT_NE(records()[0].find("\"Observation/o1/_history/1\""), std::string::npos) << records()[0];
  // 30.5 umol/L against the protocol range 3.4-20.5 (fhir-mappings/ranges.json): high.
  EXPECT_EQ(records("high"), 1);
  EXPECT_EQ(count("record_created"), 1u);
  EXPECT_EQ(metrics_.value("fhir_adapter_sync_passes_total", {{"result", "ok"}}), 1);
  // Ready: a pass succeeded at the clock's now.
  EXPECT_TRUE(daemon_->readiness().first);
  // The next poll is one interval after this one started.
  EXPECT_EQ(r.next_due, clock_.steadyNow() + seconds(300));
}

// Issue 16: a start with nothing changed since the records were computed recomputes nothing,
// and publishes the records gauges a full rebuild would (one high record: 30.5 umol/L above
// the protocol's 20.5). A roster changed while the daemon was down rebuilds: S01 off the
// roster (its Patient is now p9) retracts nothing but removes the record.
TEST_F(DaemonStepTest, ARestartRecomputesOnlyWhatItsInputsChanged) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  daemon().step();
  ASSERT_EQ(count("record_created"), 1u);
  const std::size_t entries = auditActions().size();
  Metrics fresh;
  daemon_ = std::make_unique<Daemon>(DaemonParts{config_, *store_, *client_, *audit_, nullptr, fresh, clock_},
                                     loadTrial(config_.trial));
  daemon_->start();
  EXPECT_EQ(fresh.value("fhir_adapter_records", {{"flag", "high"}}), 1);
  EXPECT_EQ(fresh.value("fhir_adapter_rejected_resources"), 0);
  EXPECT_EQ(fresh.value("fhir_adapter_skipped_not_on_roster"), 0);
  EXPECT_EQ(auditActions().size(), entries);  // no record event, no re-evaluation
  EXPECT_EQ(store_->recordCount(), 1u);

  std::ofstream(dir_ / "subjects.csv") << "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p9,2026-01-10,2026-02-07\n";
  Metrics after;
  daemon_ = std::make_unique<Daemon>(DaemonParts{config_, *store_, *client_, *audit_, nullptr, after, clock_},
                                     loadTrial(config_.trial));
  daemon_->start();
  audit_->commit();
  EXPECT_EQ(store_->recordCount(), 0u);
  EXPECT_EQ(count("record_removed"), 1u);
  EXPECT_EQ(after.value("fhir_adapter_skipped_not_on_roster"), 1);  // o1's one version, off the roster
}

TEST_F(DaemonStepTest, AStepBeforeTheIntervalDoesNotPollAndOneAfterItDoes) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  Daemon& d = daemon();
  d.step();
  const std::size_t searches = server_->searches();
  EXPECT_GT(searches, 0u);

  clock_.advance(seconds(299));
  StepReport early = d.step();
  EXPECT_FALSE(early.pass.has_value());
  EXPECT_FALSE(early.recomputed);
  EXPECT_EQ(server_->searches(), searches);  // not one request

  // Past the interval (299 + 2 = 301 s > 300 s): polls, and finds version 2 at 10.0 umol/L.
  server_->replace("1975-2", searchset({bilirubin("o1", 2, "10.0")}));
  clock_.advance(seconds(2));
  StepReport due = d.step();
  ASSERT_TRUE(due.pass.has_value());
  EXPECT_FALSE(due.pass->rescanned);  // rescans are daily (rescan_hours = 24)
  EXPECT_EQ(due.pass->new_versions, 1);
  EXPECT_GT(server_->searches(), searches);
  // 10.0 within 3.4-20.5: the record is updated to normal.
  EXPECT_EQ(records("normal"), 1);
  EXPECT_EQ(records("high"), 0);
  EXPECT_EQ(count("record_updated"), 1u);
}

TEST_F(DaemonStepTest, AReloadWithChangedMappingsRecomputesTheRecords) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  Daemon& d = daemon();
  d.step();
  ASSERT_EQ(records("high"), 1);
  const std::string before = d.trial().config->content_hash;
  // The protocol's upper limit for bilirubin from 20.5 to 40: 30.5 becomes normal.
  mappings_.replace("ranges.json", R"("analyte": "BILI",    "low": 3.4,  "high": 20.5)",
                    R"("analyte": "BILI",    "low": 3.4,  "high": 40)");
  d.requestReload();
  StepReport r = d.step();  // before the interval; without push a reload also polls at once
  EXPECT_TRUE(r.reloaded);
  EXPECT_TRUE(r.recomputed);
  ASSERT_TRUE(r.pass.has_value());
  EXPECT_EQ(r.pass->new_versions, 0);  // nothing new on the server: the recomputation is the reload's
  EXPECT_NE(d.trial().config->content_hash, before);
  EXPECT_EQ(records("normal"), 1);
  EXPECT_EQ(count("mappings_reloaded"), 1u);
  // Two re-evaluations: at start (a new store has no mappings hash: "none" -> current) and now.
  EXPECT_EQ(count("mappings_reevaluated"), 2u);
  EXPECT_EQ(count("record_updated"), 1u);
  EXPECT_EQ(metrics_.value("fhir_adapter_mappings_reloads_total", {{"result", "ok"}}), 1);
}

TEST_F(DaemonStepTest, ABrokenReloadKeepsThePreviousMappings) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  Daemon& d = daemon();
  d.step();
  const std::string before = d.trial().config->content_hash;
  mappings_.write("ranges.json", "{ not json");
  d.requestReload();
  StepReport r = d.step();
  EXPECT_TRUE(r.reloaded);
  EXPECT_FALSE(r.recomputed);
  EXPECT_EQ(d.trial().config->content_hash, before);
  EXPECT_EQ(records("high"), 1);
  EXPECT_EQ(metrics_.value("fhir_adapter_mappings_reloads_total", {{"result", "failed"}}), 1);
  EXPECT_EQ(count("mappings_reloaded"), 1u);  // the serious_failure entry
}

TEST_F(DaemonStepTest, AServerFailureIsReportedAndTheNextDueStepRetries) {
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  Daemon& d = daemon();
  ASSERT_EQ(d.step().problem, ServerProblem::None);  // the CapabilityStatement is checked once
  server_->failing = 503;
  clock_.advance(seconds(300));
  StepReport failed = d.step();
  EXPECT_EQ(failed.problem, ServerProblem::SyncFailed);
  EXPECT_FALSE(failed.pass.has_value());
  EXPECT_EQ(metrics_.value("fhir_adapter_sync_passes_total", {{"result", "failed"}}), 1);
  EXPECT_EQ(failed.next_due, clock_.steadyNow() + seconds(300));

  server_->failing = 0;
  server_->replace("1975-2", searchset({bilirubin("o1", 2, "10.0")}));
  clock_.advance(seconds(300));
  StepReport retried = d.step();
  EXPECT_EQ(retried.problem, ServerProblem::None);
  ASSERT_TRUE(retried.pass.has_value());
  EXPECT_EQ(retried.pass->new_versions, 1);
  EXPECT_EQ(records("normal"), 1);
}

TEST_F(DaemonStepTest, AnUnreachableServerAtStartIsRetriedAtTheNextInterval) {
  server_->failing = 503;
  Daemon& d = daemon();
  StepReport r = d.step();
  EXPECT_EQ(r.problem, ServerProblem::Unreachable);
  EXPECT_EQ(server_->searches(), 0u);
  EXPECT_FALSE(d.readiness().first);
  EXPECT_EQ(r.next_due, clock_.steadyNow() + seconds(300));
  server_->failing = 0;
  clock_.advance(seconds(300));
  EXPECT_TRUE(d.step().pass.has_value());
}

TEST_F(DaemonStepTest, ANotificationAskingForAPollPollsBeforeTheInterval) {
  FakePush push;
  Daemon& d = daemon(&push);
  d.step();
  const std::size_t searches = server_->searches();
  clock_.advance(seconds(10));
  EXPECT_FALSE(d.step().pass.has_value());  // nothing asked, interval not reached
  push.next.notifications = 1;
  push.next.poll_needed = true;
  push.next.poll_reasons = {{"ping", 1}};
  StepReport r = d.step();
  EXPECT_EQ(r.push.notifications, 1);
  EXPECT_TRUE(r.pass.has_value());
  EXPECT_GT(server_->searches(), searches);
  d.requestReload();
  StepReport reloaded = d.step();
  EXPECT_EQ(push.cert_reloads, 1);          // SIGHUP also reloads the receiver's certificates
  EXPECT_FALSE(reloaded.pass.has_value());  // with push, polls keep their schedule
}

TEST_F(DaemonStepTest, AScheduledPollCountsWhatNoNotificationAnnounced) {
  FakePush push;
  server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
  Daemon& d = daemon(&push);
  d.step();  // the first pass catches up on the time the daemon was down: not counted
  EXPECT_EQ(metrics_.value("fhir_adapter_missed_push_total"), 0);
  server_->replace("1975-2", searchset({bilirubin("o1", 2, "10.0")}));
  clock_.advance(seconds(300));
  ASSERT_TRUE(d.step().pass.has_value());                          // scheduled, and the push source announced nothing
  EXPECT_EQ(metrics_.value("fhir_adapter_missed_push_total"), 1);  // version 2 of o1
}

TEST_F(DaemonStepTest, ReadinessExpiresWithTheClock) {
  Daemon& d = daemon();
  d.step();
  EXPECT_TRUE(d.readiness().first);
  clock_.advance(seconds(961));  // ready_max_age 960 s
  EXPECT_EQ(d.readiness(), std::make_pair(false, std::string("not ready: last successful sync is too old")));
}

// One stored result o1 with its record; then the server lists nothing and answers 410 Gone for
// o1 (both reads of the rescan). 1 of 1 current record = 1.0 > max_withdraw_fraction 0.2.
class MassWithdrawalStepTest : public DaemonStepTest {
 protected:
  void loadOneThenDeleteIt() {
    server_->on("1975-2", searchset({bilirubin("o1", 1, "30.5")}));
    ASSERT_EQ(daemon().step().pass->new_versions, 1);
    ASSERT_EQ(records("high"), 1);
    server_->replace("1975-2", searchset({}));
    server_->on("Observation/o1", R"({"resourceType":"OperationOutcome","issue":[{"code":"deleted"}]})", 410);
  }
};

TEST_F(MassWithdrawalStepTest, ARescanWithdrawingTooMuchWithdrawsNothingAndSaysWhy) {
  loadOneThenDeleteIt();
  StepReport r = daemon().step();  // a restart: its first pass rescans
  ASSERT_TRUE(r.pass.has_value());
  EXPECT_TRUE(r.pass->withdrawal_blocked);
  EXPECT_EQ(r.pass->deletions, 0);
  EXPECT_EQ(records("high"), 1);  // still current, not retracted
  EXPECT_EQ(count("record_retracted"), 0u);
  EXPECT_EQ(metrics_.value("fhir_adapter_withdrawals_blocked_total"), 1);
  EXPECT_EQ(metrics_.value("fhir_adapter_pending_deletions"), 1);
  const auto blocked = lastEntry("mass_withdrawal_blocked");
  ASSERT_TRUE(blocked.has_value());
  EXPECT_EQ(blocked->details.at("withdraw_records"), "1");
  EXPECT_EQ(blocked->details.at("current_records"), "1");
  EXPECT_EQ(blocked->details.at("withdraw_fraction"), "1.0000");
  EXPECT_EQ(blocked->details.at("max_withdraw_fraction"), "0.2000");
  EXPECT_EQ(count("mass_withdrawal_confirmed"), 0u);
}

TEST_F(MassWithdrawalStepTest, AllowedForOneRunTheWithdrawalIsMadeAndAudited) {
  loadOneThenDeleteIt();
  RunOptions allow;
  allow.allow_mass_withdrawal = true;
  StepReport r = daemon(nullptr, allow).step();
  ASSERT_TRUE(r.pass.has_value());
  EXPECT_FALSE(r.pass->withdrawal_blocked);
  EXPECT_EQ(r.pass->deletions, 1);
  EXPECT_TRUE(r.recomputed);
  EXPECT_EQ(records("retracted"), 1);
  EXPECT_EQ(count("record_retracted"), 1u);
  const auto confirmed = lastEntry("mass_withdrawal_confirmed");
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_EQ(confirmed->details.at("deletions"), "1");
  EXPECT_EQ(metrics_.value("fhir_adapter_withdrawals_blocked_total"), 0);
}

TEST_F(DaemonStepTest, TheFirstPassRemembersTheServerAndItsIdentity) {
  server_->on("/metadata", R"({"resourceType":"CapabilityStatement","fhirVersion":"4.0.1",
    "software":{"name":"Sandbox FHIR"},"implementation":{"url":"http://fhir.test/fhir"},
    "rest":[{"mode":"server","resource":[{"type":"Observation"}]}]})");
  EXPECT_FALSE(store_->meta(kServerBaseUrlKey));
  daemon().step();
  EXPECT_EQ(store_->meta(kServerBaseUrlKey), kBase);
  EXPECT_EQ(store_->meta(kServerImplementationKey), "http://fhir.test/fhir");
  EXPECT_EQ(store_->meta(kServerSoftwareKey), "Sandbox FHIR");
  EXPECT_EQ(count("server_changed"), 0u);
}

TEST_F(DaemonStepTest, AnAcceptedServerChangeIsAuditedAndRemembered) {
  daemon().step();
  config_.fhir.base_url = "http://moved.test/fhir";
  EXPECT_TRUE(serverChangeRefusal(store_->meta(kServerBaseUrlKey), config_.fhir.base_url).has_value());
  RunOptions accept;
  accept.accept_server_change = true;
  daemon(nullptr, accept);  // start() accepts it
  EXPECT_EQ(store_->meta(kServerBaseUrlKey), "http://moved.test/fhir");
  const auto changed = lastEntry("server_changed");
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->details.at("previous"), kBase);
  EXPECT_EQ(changed->details.at("current"), "http://moved.test/fhir");
  EXPECT_FALSE(serverChangeRefusal(store_->meta(kServerBaseUrlKey), config_.fhir.base_url).has_value());
}

TEST(ServerIdentityTest, ARefusalNamesBothServersAndNothingRememberedIsNoRefusal) {
  EXPECT_FALSE(serverChangeRefusal(std::nullopt, "http://a/fhir"));
  EXPECT_FALSE(serverChangeRefusal(std::string("http://a/fhir"), "http://a/fhir"));
  const auto refusal = serverChangeRefusal(std::string("http://a/fhir"), "http://b/fhir");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("http://a/fhir"), std::string::npos);
  EXPECT_NE(refusal->find("http://b/fhir"), std::string::npos);
  EXPECT_NE(refusal->find("--accept-server-change"), std::string::npos);
  EXPECT_EQ(readServerIdentity("not json").implementation_url, "");
}

// A CapabilityStatement naming implementation `url`.
std::string capabilitiesOf(const std::string& url) {
  return R"({"resourceType":"CapabilityStatement","fhirVersion":"4.0.1","implementation":{"url":")" + url +
         R"("},"rest":[{"mode":"server","resource":[{"type":"Observation"}]}]})";
}

TEST_F(DaemonStepTest, AnotherImplementationBehindTheSameAddressIsRefusedUnlessAccepted) {
  server_->on("/metadata", capabilitiesOf("http://server-a.test"));
  ASSERT_TRUE(daemon().step().pass.has_value());
  server_->replace("/metadata", capabilitiesOf("http://server-b.test"));
  const std::size_t searches = server_->searches();
  StepReport refused = daemon().step();
  EXPECT_EQ(refused.problem, ServerProblem::Unusable);  // exit 2
  EXPECT_NE(refused.problem_text.find("http://server-a.test"), std::string::npos) << refused.problem_text;
  EXPECT_NE(refused.problem_text.find("http://server-b.test"), std::string::npos) << refused.problem_text;
  EXPECT_FALSE(refused.pass.has_value());
  EXPECT_EQ(server_->searches(), searches);  // nothing synced from it
  EXPECT_EQ(count("server_changed"), 0u);

  RunOptions accept;
  accept.accept_server_change = true;
  StepReport accepted = daemon(nullptr, accept).step();
  EXPECT_EQ(accepted.problem, ServerProblem::None);
  EXPECT_TRUE(accepted.pass.has_value());
  const auto changed = lastEntry("server_changed");
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->details.at("previous"), "http://server-a.test");
  EXPECT_EQ(changed->details.at("current"), "http://server-b.test");
  EXPECT_EQ(store_->meta(kServerImplementationKey), "http://server-b.test");
  EXPECT_EQ(daemon().step().problem, ServerProblem::None);  // remembered: no flag needed now
}

}  // namespace
}  // namespace fa::daemon

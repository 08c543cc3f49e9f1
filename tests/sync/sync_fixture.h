#pragma once
// What the poller tests share: a fake net::HttpClient serving canned responses keyed by the
// exact URL (so a test fails when the poller asks for anything it did not expect), under a
// real net::FhirClient; builders of searchset and history Bundles; a temporary SQLite store;
// a one-analyte trial config (BILI, LOINC 1975-2) and a two-subject roster; a settable clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mapping/roster.h"
#include "mapping/trial_config.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"
#include "sync/http_date.h"
#include "sync/poller.h"

namespace fa::test {

inline const std::string kBase = "http://fhir.test/fhir";
// The BILI search of the one-analyte config, before the poller's _sort/_count/_lastUpdated.
inline const std::string kBiliQuery = "Observation?code=http%3A%2F%2Floinc.org%7C1975-2";

class FakeFhirServer : public net::HttpClient {
 public:
  struct Canned {
    int status = 200;
    std::string body;
    net::Headers headers;
  };

  // `url` relative to kBase ("Observation?...") or absolute (a next link).
  void on(const std::string& url, Canned response) { canned_[absolute(url)] = std::move(response); }
  void on(const std::string& url, int status, std::string body) { on(url, Canned{status, std::move(body), {}}); }
  void forget(const std::string& url) { canned_.erase(absolute(url)); }
  // Answers the next request for `url` with `response`, once (queued in order), before the
  // canned answer: a resource whose answer changes between two reads of one pass.
  void once(const std::string& url, int status, std::string body) {
    queued_[absolute(url)].push_back(Canned{status, std::move(body), {}});
  }

  net::HttpResponse send(const net::HttpRequest& request) override {
    requests.push_back(request.url);
    if (auto q = queued_.find(request.url); q != queued_.end() && !q->second.empty()) {
      Canned next = std::move(q->second.front());
      q->second.erase(q->second.begin());
      net::HttpResponse r{next.status, next.headers, next.body};
      if (!date.empty()) r.headers["date"] = date;
      return r;
    }
    auto it = canned_.find(request.url);
    if (it == canned_.end()) {
      unexpected.push_back(request.url);
      return {400, {}, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]})"};
    }
    net::HttpResponse r{it->second.status, it->second.headers, it->second.body};
    if (!r.headers.count("date") && !date.empty()) r.headers["date"] = date;
    return r;
  }

  static std::string absolute(const std::string& url) { return url.rfind("http", 0) == 0 ? url : kBase + "/" + url; }

  std::string date = "Sun, 01 Mar 2026 12:00:00 GMT";  // the Date header of every answer
  std::vector<std::string> requests;                   // absolute URLs, in order
  std::vector<std::string> unexpected;                 // requests nothing was canned for

 private:
  std::map<std::string, Canned> canned_;
  std::map<std::string, std::vector<Canned>> queued_;
};

struct Obs {
  std::string id;
  std::string version;
  std::string last_updated;
  std::string status = "final";
};

inline std::string observationJson(const Obs& o) {
  return R"({"resourceType":"Observation","id":")" + o.id + R"(","meta":{"versionId":")" + o.version + R"(","lastUpdated":")" +
         o.last_updated + R"("},"status":")" + o.status +
         R"(","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"}})";
}

inline std::string searchset(const std::vector<Obs>& entries, const std::optional<std::string>& next = std::nullopt) {
  std::string body = R"({"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"x"})";
  if (next) body += R"(,{"relation":"next","url":")" + *next + R"("})";
  body += R"(],"entry":[)";
  for (std::size_t i = 0; i < entries.size(); ++i)
    body += (i ? "," : "") + std::string(R"({"resource":)") + observationJson(entries[i]) + R"(,"search":{"mode":"match"}})";
  return body + "]}";
}

// A history Bundle, newest first; `deleted_at` adds a DELETE entry in front.
inline std::string historyBundle(const std::vector<Obs>& versions, const std::optional<std::string>& deleted_at = std::nullopt) {
  std::string body = R"({"resourceType":"Bundle","type":"history","entry":[)";
  bool first = true;
  if (deleted_at) {
    body += R"({"request":{"method":"DELETE","url":"Observation/)" + versions.front().id +
            R"("},"response":{"status":"204","lastModified":")" + *deleted_at + R"("}})";
    first = false;
  }
  for (const Obs& v : versions) {
    body += (first ? "" : ",") + std::string(R"({"resource":)") + observationJson(v) +
            R"(,"request":{"method":"PUT","url":"Observation/)" + v.id + R"("},"response":{"status":"200"}})";
    first = false;
  }
  return body + "]}";
}

inline const std::string kNotFound =
    R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","details":{"text":"Not found"}}]})";
inline const std::string kGone =
    R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"deleted","details":{"text":"Deleted"}}]})";

inline sync::TimePoint at(const std::string& instant) {
  auto t = sync::parseInstant(instant);
  EXPECT_TRUE(t) << instant;
  return t.value_or(sync::TimePoint{});
}

// ge{instant} as the poller writes it into a URL (':' percent-encoded).
inline std::string geParam(const std::string& instant) {
  return "&_lastUpdated=ge" + sync::encodeQueryValue(instant);
}

class PollerFixture : public ::testing::Test {
 protected:
  PollerFixture()
      : dir_(std::filesystem::temp_directory_path() /
             ("fa-sync-" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(dir_);
    store = std::make_unique<store::ObservationStore>((dir_ / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    net::Clock noWait;
    noWait.sleep = [](std::chrono::milliseconds) {};
    client = std::make_unique<net::FhirClient>(kBase, server, nullptr, net::RetryPolicy{1}, net::FhirClientObserver{}, noWait);
    mapping::AnalyteDefinition bili;
    bili.code = "BILI";
    config.analytes.push_back(bili);
    config.coding_index["http://loinc.org|1975-2"] = 0;
    settings.page_size = 2;
    settings.overlap = std::chrono::seconds(60);
    settings.lag = std::chrono::seconds(5);
  }
  ~PollerFixture() override {
    client.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  sync::PassReport pass(bool rescan) {
    sync::SyncObserver observer;
    observer.on_page = [this](const std::string&, int) { ++pages_committed; };
    sync::Poller poller(
        *client, *store, settings, observer, [this] { return stop_after_pages > 0 && pages_committed >= stop_after_pages; },
        [this] { return clock; });
    return poller.pass(config, roster, rescan);
  }

  // The BILI search URL with the poller's paging parameters.
  std::string biliSearch(const std::string& extra = "") const {
    return kBiliQuery + "&_sort=_lastUpdated&_count=" + std::to_string(settings.page_size) + extra;
  }
  std::string history(const std::string& id) const {
    return "Observation/" + id + "/_history?_count=" + std::to_string(settings.page_size);
  }

  // Stores one outcome record per id (the guard's denominator), as a rebuild would.
  void storeRecords(const std::vector<std::string>& ids) {
    engine::OutcomeRecords records;
    for (const std::string& id : ids) {
      engine::OutcomeRecord r;
      r.resource_id = id;
      r.subject_id = "S01";
      r.analyte = "BILI";
      r.effective = "2026-02-07";
      r.observation = "Observation/" + id;
      r.status = "final";
      r.visit = "BASELINE";
      records.push_back(std::move(r));
    }
    auto t = store->transaction();
    store->replaceRecords(records, "hash", "2026-03-01T00:00:00.000Z");
    t.commit();
  }

  std::filesystem::path dir_;
  std::shared_ptr<FakeFhirServer> server = std::make_shared<FakeFhirServer>();
  std::unique_ptr<store::ObservationStore> store;
  std::unique_ptr<net::FhirClient> client;
  mapping::TrialConfig config;
  mapping::Roster roster = mapping::Roster::parse(
      "subject_id,patient,dose1_date,dose2_date\nS01,Patient/p1,2026-01-10,2026-06-27\nS02,Patient/p2,2026-01-12,2026-06-29\n",
      "roster");
  sync::SyncSettings settings;
  sync::TimePoint clock = at("2026-03-01T12:00:00.000Z");
  int pages_committed = 0;
  int stop_after_pages = 0;  // > 0: stop requested once that many pages were committed
};

}  // namespace fa::test

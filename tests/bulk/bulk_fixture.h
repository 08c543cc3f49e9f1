#pragma once
// What the Bulk Data tests share: a fake net::HttpClient answering by exact URL (a queue per
// URL, its last answer repeating; anything not canned is recorded as unexpected), a real
// net::FhirClient over it with a bearer token, a temporary store, a one-analyte trial config
// (BILI, LOINC 1975-2), a settable clock and a sleeper that records the waits instead of waiting.
#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bulk/bulk_export.h"
#include "net/auth.h"
#include "net/fhir_client.h"
#include "store/observation_store.h"
#include "sync/http_date.h"

namespace fa::test {

inline const std::string kBase = "http://fhir.test/fhir";
inline const std::string kPoll = "http://fhir.test/fhir/$export-status/7";
inline const std::string kToken = "Bearer tok-123456";

class FakeHttp : public net::HttpClient {
 public:
  void on(const std::string& url, int status, std::string body = "", net::Headers headers = {}) {
    canned_[url].push_back(net::HttpResponse{status, std::move(headers), std::move(body)});
  }
  net::HttpResponse send(const net::HttpRequest& request) override {
    requests.push_back(request);
    auto it = canned_.find(request.url);
    if (it == canned_.end() || it->second.empty()) {
      unexpected.push_back(request.method + " " + request.url);
      return {400, {}, R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]})"};
    }
    net::HttpResponse r = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return r;
  }
  std::vector<net::HttpRequest> to(const std::string& url) const {
    std::vector<net::HttpRequest> out;
    for (const auto& r : requests)
      if (r.url == url) out.push_back(r);
    return out;
  }
  std::vector<net::HttpRequest> requests;
  std::vector<std::string> unexpected;

 private:
  std::map<std::string, std::deque<net::HttpResponse>> canned_;
};

// A BILI Observation (trial code) as one NDJSON line.
inline std::string bili(const std::string& id, const std::string& version = "1") {
  return R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + version +
         R"(","lastUpdated":"2026-02-01T10:00:00.000Z"},"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},"valueQuantity":{"value":12.50,"unit":"umol/L"}})";
}

inline std::string manifest(const std::string& transaction_time, bool token, const std::vector<std::string>& outputs,
                            const std::vector<std::string>& deleted = {}, const std::vector<std::string>& errors = {}) {
  auto list = [](const std::vector<std::string>& urls, const std::string& type) {
    std::string s;
    for (const auto& u : urls)
      s += (s.empty() ? "" : ",") + std::string(R"({"type":")") + type + R"(","url":")" + u + R"("})";
    return "[" + s + "]";
  };
  return R"({"transactionTime":")" + transaction_time + R"(","requiresAccessToken":)" + (token ? "true" : "false") +
         R"(,"output":)" + list(outputs, "Observation") + R"(,"deleted":)" + list(deleted, "Bundle") + R"(,"error":)" +
         list(errors, "OperationOutcome") + "}";
}

class BulkFixture : public ::testing::Test {
 protected:
  BulkFixture()
      : dir_(std::filesystem::temp_directory_path() /
             ("fa-bulk-" + std::to_string(std::random_device{}()) + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(dir_);
    store = std::make_unique<store::ObservationStore>((dir_ / "adapter.db").string(), store::SqliteDb::Mode::ReadWrite);
    net::Clock noWait;
    noWait.sleep = [](std::chrono::milliseconds) {};
    noWait.now = [this] { return clock; };
    client = std::make_unique<net::FhirClient>(kBase, http, auth, net::RetryPolicy{1}, net::FhirClientObserver{}, noWait);
    mapping::AnalyteDefinition analyte;
    analyte.code = "BILI";
    config.analytes.push_back(analyte);
    config.coding_index["http://loinc.org|1975-2"] = 0;
  }
  ~BulkFixture() override {
    client.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // The kick-off URL the default settings make for the BILI code set.
  static std::string kickoff(const std::string& extra = "") {
    return kBase + "/$export?_type=Observation&_typeFilter=Observation%3Fcode%3Dhttp%3A%2F%2Floinc.org%7C1975-2" + extra;
  }
  void cannedKickoff(const std::string& extra = "") { http->on(kickoff(extra), 202, "", {{"content-location", kPoll}}); }

  bulk::BulkReport run(int stop_after_waits = -1) {
    bulk::BulkParts parts{*client,
                          http,
                          auth,
                          *store,
                          [this, stop_after_waits](std::chrono::milliseconds d) {
                            waits.push_back(d);
                            clock += d;
                            return stop_after_waits < 0 || static_cast<int>(waits.size()) < stop_after_waits;
                          },
                          [this] { return clock; }};
    parts.stop_requested = [this] { return stop_now; };
    parts.log = [this](const std::string& event, const bulk::LogFields& fields) { logs.emplace_back(event, fields); };
    bulk::BulkExport exporter(parts, settings);
    return exporter.run(config, "", {"BILI"});
  }

  // Log events named `event`, in order.
  std::vector<bulk::LogFields> logged(const std::string& event) const {
    std::vector<bulk::LogFields> out;
    for (const auto& [e, f] : logs)
      if (e == event) out.push_back(f);
    return out;
  }

  std::filesystem::path dir_;
  std::shared_ptr<FakeHttp> http = std::make_shared<FakeHttp>();
  std::shared_ptr<net::Authenticator> auth = net::makeBearerAuth("tok-123456");
  std::unique_ptr<store::ObservationStore> store;
  std::unique_ptr<net::FhirClient> client;
  mapping::TrialConfig config;
  bulk::BulkSettings settings;
  std::chrono::system_clock::time_point clock = sync::parseInstant("2026-03-01T12:00:00.000Z").value();
  std::vector<std::chrono::milliseconds> waits;
  bool stop_now = false;
  std::vector<std::pair<std::string, bulk::LogFields>> logs;
};

}  // namespace fa::test

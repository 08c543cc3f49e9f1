#pragma once
// The Receiver fixture of the callback tests: a CallbackServer on 127.0.0.1 (port 0) with the
// real intake, caller authentication and durable queue on a temporary store; every connection
// event, notification outcome and authentication failure is counted.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "callback/callback_server.h"
#include "callback/callback_test_support.h"
#include "callback/caller_auth.h"
#include "callback/notification_intake.h"
#include "callback/notification_queue.h"
#include "store/observation_store.h"

namespace fa::callback::test {

using namespace std::chrono_literals;

struct Events {
  std::mutex m;
  std::condition_variable added;
  std::multiset<std::string> names;
  void add(const std::string& e) {
    {
      std::lock_guard l(m);
      names.insert(e);
    }
    added.notify_all();
  }
  std::size_t count(const std::string& e) {
    std::lock_guard l(m);
    return names.count(e);
  }
  // The count once it reaches `n`, or what it is after `bound`: an event the server records
  // after closing the connection (a timeout, an exception) may come just after the client saw
  // the close.
  std::size_t countWhen(const std::string& e, std::size_t n, std::chrono::milliseconds bound = std::chrono::seconds(5)) {
    std::unique_lock l(m);
    added.wait_for(l, bound, [&] { return names.count(e) >= n; });
    return names.count(e);
  }
};

class Receiver : public ::testing::Test {
 protected:
  void start(CallerAuthSettings auth = {}, std::function<void(CallbackServerSettings&)> tweak = {}) {
    dir_ = tempDir("recv");
    db_ = (dir_ / "adapter.db").string();
    store_ = std::make_unique<store::ObservationStore>(db_, store::SqliteDb::Mode::ReadWrite);
    queue_ = std::make_unique<NotificationQueue>(db_, 256);
    IntakeObserver obs;
    obs.on_notification = [this](const std::string& shape, const std::string& outcome) { events_.add(shape + ":" + outcome); };
    obs.on_auth_failure = [this](const std::string& r) { events_.add("auth:" + r); };
    intake_ = std::make_unique<NotificationIntake>("/notify", CallerAuth(std::move(auth)), *queue_, obs);
    CallbackServerSettings s;
    s.host = "127.0.0.1";
    s.port = 0;
    s.cert_file = devCerts().file("server.crt");
    s.key_file = devCerts().file("server.key");
    s.max_body_bytes = 64 * 1024;
    s.read_timeout = 400ms;
    s.idle_timeout = 2s;
    s.handshake_timeout = 2s;
    if (tweak) tweak(s);
    server_ = std::make_unique<CallbackServer>(
        s, [this](ServerRequest&& r, Responder respond) { intake_->handle(std::move(r), std::move(respond)); },
        [this](const std::string& e) { events_.add("conn:" + e); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (queue_) queue_->stop();
  }
  std::int64_t rows(const std::string& where = "1") {
    store::SqliteDb raw(db_, store::SqliteDb::Mode::ReadOnly);  // a look inside, beside the store
    auto s = raw.prepare("SELECT COUNT(*) FROM notifications WHERE " + where);
    s.step();
    return s.integer(0);
  }

  std::filesystem::path dir_;
  std::string db_;
  std::unique_ptr<store::ObservationStore> store_;
  std::unique_ptr<NotificationQueue> queue_;
  std::unique_ptr<NotificationIntake> intake_;
  std::unique_ptr<CallbackServer> server_;
  Events events_;
};

}  // namespace fa::callback::test

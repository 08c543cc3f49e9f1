// bench_callback: notifications per second and p50/p99 acknowledgement latency of the
// subscription receiver over TLS with keep-alive, as a ratio to a bare server answering 200 to
// the same load in the same run. Both use the same Beast/OpenSSL server code
// (callback::CallbackServer); the bare one answers at once, the receiver authenticates,
// classifies and writes each notification durably (SQLite WAL, synchronous=FULL, group commit)
// before answering. Certificates come from certs/make-dev-certs.sh.
//
//   bench_callback [--connections 50] [--requests 4000] [--no-goals]
// Goals: receiver throughput >= 0.5 x bare, receiver p99 < 20 ms.
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "callback/callback_server.h"
#include "callback/caller_auth.h"
#include "callback/notification_intake.h"
#include "callback/notification_queue.h"
#include "store/notification_store.h"
#include "store/observation_store.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace fa::callback;

std::string observation(const std::string& id) {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","meta":{"versionId":"1","lastUpdated":"2026-03-01T10:00:00.000+00:00"},"status":"final",)"
         R"("code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},)"
         R"("effectiveDateTime":"2026-03-01","valueQuantity":{"value":1.10,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}})";
}

struct Result {
  double seconds = 0;
  int ok = 0;
  std::vector<double> latencies_ms;
  double rate() const { return ok / seconds; }
  double percentile(double p) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    if (latencies_ms.empty()) return 0;
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size())))];
  }
};

Result load(unsigned short port, const std::string& ca, int connections, int requests, const std::string& tag) {
  std::vector<std::thread> threads;
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(connections));
  std::atomic<int> ok{0};
  const auto start = Clock::now();
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      asio::io_context ioc;
      ssl::context ctx(ssl::context::tls_client);
      ctx.load_verify_file(ca);
      ctx.set_verify_mode(ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
      beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
      stream.handshake(ssl::stream_base::client);
      beast::flat_buffer buffer;
      const int mine = requests / connections;
      for (int i = 0; i < mine; ++i) {
        const std::string id = tag + "-" + std::to_string(t) + "-" + std::to_string(i);
        http::request<http::string_body> req{http::verb::put, "/notify/Observation/" + id, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::content_type, "application/fhir+json");
        req.set(http::field::authorization, "Bearer bench-token");
        req.body() = observation(id);
        req.prepare_payload();
        const auto t0 = Clock::now();
        http::write(stream, req);
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        lat[static_cast<std::size_t>(t)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (res.result_int() == 200) ++ok;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.ok = ok;
  for (auto& v : lat)
    r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int connections = 50, requests = 4000;
  bool goals = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--connections" && i + 1 < argc)
      connections = std::atoi(argv[++i]);
    else if (a == "--requests" && i + 1 < argc)
      requests = std::atoi(argv[++i]);
    else if (a == "--no-goals")
      goals = false;
    else {
      std::fprintf(stderr, "usage: bench_callback [--connections N] [--requests N] [--no-goals]\n");
      return 2;
    }
  }
  char dirTemplate[] = "/tmp/fa-bench-callback-XXXXXX";
  const std::filesystem::path dir = mkdtemp(dirTemplate);
  const std::string certs = (dir / "certs").string();
  if (std::system(("bash '" FA_SOURCE_DIR "/certs/make-dev-certs.sh' '" + certs + "' >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr, "bench_callback: certs/make-dev-certs.sh failed\n");
    return 2;
  }
  CallbackServerSettings s;
  s.host = "127.0.0.1";
  s.port = 0;
  s.cert_file = certs + "/server.crt";
  s.key_file = certs + "/server.key";
  s.max_connections = static_cast<std::size_t>(connections) + 16;

  Result bare, receiver;
  {
    CallbackServer server(s, [](ServerRequest&&, Responder respond) { respond(ServerResponse{200, "", "", {}}); });
    load(server.port(), certs + "/ca.crt", connections, requests / 10, "warm");
    bare = load(server.port(), certs + "/ca.crt", connections, requests, "bare");
  }
  std::size_t stored = 0;
  {
    const std::string db = (dir / "adapter.db").string();
    fa::store::ObservationStore store(db, fa::store::SqliteDb::Mode::ReadWrite);
    NotificationQueue queue(db, 256);
    NotificationIntake intake("/notify", CallerAuth({.bearer_token = "bench-token", .hmac_secret = std::nullopt}), queue);
    CallbackServer server(s,
                          [&intake](ServerRequest&& r, Responder respond) { intake.handle(std::move(r), std::move(respond)); });
    load(server.port(), certs + "/ca.crt", connections, requests / 10, "warm");
    fa::store::NotificationStore notifications(store);
    const std::size_t warm = notifications.pendingCount();  // each 200 followed its durable write
    receiver = load(server.port(), certs + "/ca.crt", connections, requests, "recv");
    server.stop();
    queue.stop();
    stored = notifications.pendingCount() - warm;
  }
  std::filesystem::remove_all(dir);
  const double ratio = receiver.rate() / bare.rate();
  const double p99 = receiver.percentile(0.99);
  std::printf("connections %d, requests %d per server, TLS keep-alive\n", connections, requests);
  std::printf("bare 200 server:  %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms\n", bare.rate(), bare.percentile(0.5),
              bare.percentile(0.99));
  std::printf("receiver:         %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%zu stored durably)\n", receiver.rate(),
              receiver.percentile(0.5), p99, stored);
  std::printf("throughput ratio: %.2f (goal >= 0.5); receiver p99 %.2f ms (goal < 20 ms)\n", ratio, p99);
  const int perConnection = requests / connections * connections;
  if (receiver.ok != perConnection || stored != static_cast<std::size_t>(perConnection)) {
    std::fprintf(stderr, "bench_callback: %d answered 200, %zu stored, %d sent\n", receiver.ok, stored, perConnection);
    return 1;
  }
  if (goals && (ratio < 0.5 || p99 >= 20)) return 1;
  return 0;
}

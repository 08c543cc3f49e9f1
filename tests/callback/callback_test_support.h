#pragma once
// Shared pieces of the callback tests: certificates made by the repository's own
// certs/make-dev-certs.sh at test time, a temporary store, a small blocking TLS client, and
// notification bodies shaped as HAPI, Firely and Medplum send them.
//
// No Beast or Asio here: the clients are compiled once (callback_test_support.cpp, in the
// fa_callback_test_support library) rather than in every test file that includes this one.
#include <openssl/ssl.h>  // TLS1_1_VERSION and the like, for ClientOptions::max_version

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace fa::callback::test {

// A fresh directory under the system temporary directory, named fa-cb-STEM-XXXXXX, removed
// with what it holds when the test binary exits.
std::filesystem::path tempDir(const std::string& stem);

struct DevCerts {
  std::filesystem::path dir;
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

// certs/make-dev-certs.sh OUTDIR, once per test binary.
const DevCerts& devCerts();

struct ClientOptions {
  std::string client_cert, client_key;
  int max_version = 0;              // e.g. TLS1_1_VERSION to try an old protocol
  std::string cipher_list = "";     // TLS 1.2 suites to offer (OpenSSL syntax); "" = the defaults
  std::string source_address = "";  // e.g. "127.0.0.2": connect from another loopback address
};

enum class Method { get, post, put };

// An answer as the tests check it. The accessors have the names of Beast's response's, so the
// tests read as they did when TlsClient::send returned one.
struct Response {
  int status = 0;
  std::string text;
  bool keeps_alive = false;
  int result_int() const { return status; }
  const std::string& body() const { return text; }
  bool keep_alive() const { return keeps_alive; }
};

// One blocking TLS connection to 127.0.0.1:port, trusting the dev CA.
class TlsClient {
 public:
  explicit TlsClient(unsigned short port, const ClientOptions& o = {});
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // TCP connect and TLS handshake; the error if either failed.
  std::error_code connect();
  // Sends one request on the connection and reads the answer; throws on transport errors
  // (boost::system::system_error, a std::runtime_error).
  Response send(Method method, const std::string& target, const std::string& body,
                const std::string& content_type = "application/fhir+json",
                const std::vector<std::pair<std::string, std::string>>& headers = {});
  // Raw bytes into the TLS stream, for requests that never complete; throws as send does.
  void writeRaw(const std::string& bytes);
  // Reads one byte of the answer: the error once the server has closed the connection.
  std::error_code readByte();
  bool offersCiphers() const;  // the cipher_list asked for was accepted by OpenSSL

 private:
  struct Impl;  // the io_context, TLS context and Beast stream
  std::unique_ptr<Impl> impl_;
};

// One request over plain TCP (no TLS) to 127.0.0.1:port, its answer read as HTTP. `ec` is the
// read's error (a reset, a close without an answer); connecting and writing throw.
Response plainHttp(unsigned short port, Method method, const std::string& target, std::error_code& ec);

inline std::string observation(const std::string& id, const std::string& version, const std::string& status = "final") {
  return R"({"resourceType":"Observation","id":")" + id + R"(","meta":{"versionId":")" + version +
         R"(","lastUpdated":"2026-03-01T10:00:00.000+00:00"},"status":")" + status +
         R"(","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},)"
         R"("effectiveDateTime":"2026-03-01","valueQuantity":{"value":1.10,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}})";
}

// R4 Subscriptions Backport: history Bundle, Parameters status first.
inline std::string backportBundle(const std::string& type, const std::string& since,
                                  const std::vector<std::pair<std::string, std::string>>& events,
                                  const std::string& content /* empty | id-only | full-resource */) {
  std::string params = R"({"resourceType":"Parameters","parameter":[)"
                       R"({"name":"subscription","valueReference":{"reference":"https://fhir.example/fhir/Subscription/sub1"}},)"
                       R"({"name":"topic","valueCanonical":"http://example.org/topic/lab"},)"
                       R"({"name":"status","valueCode":"active"},{"name":"type","valueCode":")" +
                       type +
                       R"("},)"
                       R"({"name":"events-since-subscription-start","valueString":")" +
                       since + R"("})";
  for (const auto& [number, id] : events) {
    params += R"(,{"name":"notification-event","part":[{"name":"event-number","valueString":")" + number +
              R"("},)"
              R"({"name":"timestamp","valueInstant":"2026-03-01T10:00:00Z"})";
    if (content != "empty")
      params += R"(,{"name":"focus","valueReference":{"reference":"https://fhir.example/fhir/Observation/)" + id + R"("}})";
    params += "]}";
  }
  params += "]}";
  std::string out =
      R"({"resourceType":"Bundle","type":"history","timestamp":"2026-03-01T10:00:00Z","entry":[{"fullUrl":"urn:uuid:1","resource":)" +
      params +
      R"(,"request":{"method":"GET","url":"https://fhir.example/fhir/Subscription/sub1/$status"},"response":{"status":"200"}})";
  for (const auto& [number, id] : events) {
    if (content == "empty") continue;
    out += R"(,{"fullUrl":"https://fhir.example/fhir/Observation/)" + id + R"(")";
    if (content == "full-resource") out += R"(,"resource":)" + observation(id, "1");
    out += R"(,"request":{"method":"PUT","url":"Observation/)" + id + R"("},"response":{"status":"200"}})";
  }
  return out + "]}";
}

// R4B / R5: subscription-notification Bundle, SubscriptionStatus first.
inline std::string r5Bundle(const std::string& type, const std::string& since,
                            const std::vector<std::pair<std::string, std::string>>& events, bool full) {
  std::string status = R"({"resourceType":"SubscriptionStatus","status":"active","type":")" + type +
                       R"(","eventsSinceSubscriptionStart":")" + since +
                       R"(","subscription":{"reference":"Subscription/r5"},"topic":"http://example.org/topic/lab")";
  if (!events.empty()) {
    status += R"(,"notificationEvent":[)";
    bool first = true;
    for (const auto& [number, id] : events) {
      if (!first) status += ",";
      first = false;
      status += R"({"eventNumber":")" + number + R"(","focus":{"reference":"Observation/)" + id + R"("}})";
    }
    status += "]";
  }
  status += "}";
  std::string out =
      R"({"resourceType":"Bundle","type":"subscription-notification","entry":[{"fullUrl":"urn:uuid:2","resource":)" + status +
      "}";
  for (const auto& [number, id] : events) {
    out += R"(,{"fullUrl":"https://fhir.example/fhir/Observation/)" + id + R"(")";
    if (full) out += R"(,"resource":)" + observation(id, "1");
    out += "}";
  }
  return out + "]}";
}

}  // namespace fa::callback::test

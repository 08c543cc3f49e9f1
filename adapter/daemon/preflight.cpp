#include "daemon/preflight.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "audit/audit_entry.h"
#include "audit/audit_files.h"

namespace fa::daemon {
namespace {

// The last terminated line of the newest segment that has one (what AuditLog::open continues).
std::optional<std::pair<std::string, std::string>> lastEntryLine(const std::filesystem::path& dir) {
  const auto segments = audit::listSegments(dir);
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    std::string last;
    std::size_t lastNumber = 0;
    audit::forEachLine(it->path, [&](std::string_view line, std::size_t number, bool terminated) {
      if (terminated) {
        last.assign(line);
        lastNumber = number;
      }
      return true;
    });
    if (!last.empty()) return std::make_pair(last, it->path.string() + " line " + std::to_string(lastNumber));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> listenProblem(const std::string& host, unsigned short port) {
  if (port == 0) return std::nullopt;
  namespace asio = boost::asio;
  try {
    asio::io_context ioc;
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host), port);
    asio::ip::tcp::acceptor acceptor(ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));  // as the listeners do
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const boost::system::system_error& e) {
    return "cannot listen on " + host + ":" + std::to_string(port) + ": " + e.code().message();
  }
  return std::nullopt;
}

// The same checks, in the same words, as AuditLog::open (adapter/audit/audit_log.cpp).
std::optional<std::string> auditProblem(const audit::AuditSettings& settings) {
  std::string key;
  try {
    if (settings.key_file) key = audit::loadKeyFile(settings.key_file->string());
    std::error_code ec;
    if (!std::filesystem::is_directory(settings.dir, ec)) return std::nullopt;  // a new log
    const auto last = lastEntryLine(settings.dir);
    if (!last) return std::nullopt;
    const std::string& where = last->second;
    std::string why;
    const auto entry = audit::parseEntry(last->first, &why);
    if (!entry) return where + ": the last entry is not valid (" + why + "); run `fhir-adapter audit verify`";
    if (audit::sha256Hex(audit::canonicalBody(*entry)) != entry->hash)
      return where + ": the last entry does not match its hash; run `fhir-adapter audit verify`";
    if (!key.empty() && entry->mac.empty())
      return where + ": the log was written without a key; a keyed log needs a new [audit] dir";
    if (!key.empty() && entry->mac != audit::entryMac(key, entry->hash))
      return where + ": the key does not match the one this log was written with";
    if (key.empty() && !entry->mac.empty())
      return where + ": the log was written with a key; set [audit] key_file to continue it";
  } catch (const audit::AuditError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace fa::daemon

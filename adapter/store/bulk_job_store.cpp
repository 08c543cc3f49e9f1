#include "store/bulk_job_store.h"

namespace fa::store {
namespace {
constexpr const char* kTransactionTimeKey = "bulk_transaction_time";
}

std::optional<BulkJob> BulkJobStore::job() {
  Statement s = db_.prepare("SELECT kickoff_url, polling_url, started_at, manifest FROM bulk_jobs WHERE id = 1");
  if (!s.step()) return std::nullopt;
  return BulkJob{s.text(0), s.text(1), s.text(2), s.optionalText(3)};
}

void BulkJobStore::startJob(const std::string& kickoff_url, const std::string& polling_url, const std::string& now) {
  clearJob();
  Statement s = db_.prepare("INSERT INTO bulk_jobs (id, kickoff_url, polling_url, started_at) VALUES (1, ?1, ?2, ?3)");
  s.bind(1, kickoff_url).bind(2, polling_url).bind(3, now);
  s.run();
}

void BulkJobStore::saveManifest(const std::string& manifest) {
  Statement s = db_.prepare("UPDATE bulk_jobs SET manifest = ?1 WHERE id = 1");
  s.bind(1, manifest);
  s.run();
}

bool BulkJobStore::fileFinished(const std::string& url) {
  Statement s = db_.prepare("SELECT 1 FROM bulk_files WHERE url = ?1");
  s.bind(1, url);
  return s.step();
}

void BulkJobStore::markFileFinished(const std::string& url, const std::string& kind, std::int64_t resources,
                                    const std::string& now) {
  Statement s = db_.prepare(
      "INSERT INTO bulk_files (url, kind, resources, finished_at) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(url) DO UPDATE SET resources = excluded.resources, finished_at = excluded.finished_at");
  s.bind(1, url).bind(2, kind).bind(3, resources).bind(4, now);
  s.run();
}

std::size_t BulkJobStore::finishedFileCount() {
  Statement s = db_.prepare("SELECT COUNT(*) FROM bulk_files");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void BulkJobStore::clearJob() {
  db_.exec("DELETE FROM bulk_files");
  db_.exec("DELETE FROM bulk_jobs");
}

std::optional<std::string> BulkJobStore::lastTransactionTime() {
  Statement s = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  s.bind(1, kTransactionTimeKey);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void BulkJobStore::setLastTransactionTime(const std::string& instant) {
  Statement s =
      db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, kTransactionTimeKey).bind(2, instant);
  s.run();
}

}  // namespace fa::store

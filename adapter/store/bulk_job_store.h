#pragma once
// BulkJobStore: the state of a Bulk Data $export first load (adapter/bulk), as named
// operations on an ObservationStore's connection, so they join its transactions: a file is
// marked finished in the transaction that stores its last resources, and the job is forgotten
// in the one that sets the search watermarks to the manifest's transactionTime.
//   - the job being run: kick-off URL, polling URL (Content-Location), the manifest once received;
//   - the manifest's files already stored;
//   - the transactionTime of the last completed export (the next export's _since).
// Thread-safety: that of the ObservationStore it uses (one thread per connection).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/observation_store.h"

namespace fa::store {

struct BulkJob {
  std::string kickoff_url;
  std::string polling_url;
  std::string started_at;
  std::optional<std::string> manifest;  // the completion manifest's JSON text
};

class BulkJobStore {
 public:
  explicit BulkJobStore(ObservationStore& store) : db_(store.db_) {}

  // A transaction held across calls (a batch of NDJSON lines): commit() or it rolls back.
  std::unique_ptr<SqliteDb::Transaction> beginBatch() { return std::make_unique<SqliteDb::Transaction>(db_); }

  std::optional<BulkJob> job();
  // A new job replaces any earlier one and its finished files.
  void startJob(const std::string& kickoff_url, const std::string& polling_url, const std::string& now);
  void saveManifest(const std::string& manifest);
  bool fileFinished(const std::string& url);
  void markFileFinished(const std::string& url, const std::string& kind, std::int64_t resources, const std::string& now);
  std::size_t finishedFileCount();
  // Forgets the job and its files (completed, or gone on the server: kicked off again).
  void clearJob();

  std::optional<std::string> lastTransactionTime();
  void setLastTransactionTime(const std::string& instant);

 private:
  SqliteDb& db_;
};

}  // namespace fa::store

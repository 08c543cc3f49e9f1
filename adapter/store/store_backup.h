#pragma once
// A consistent copy of a store file while the daemon writes to it, with SQLite's online backup
// API (https://sqlite.org/backup.html): the copy is one snapshot, taken in one read transaction,
// which in WAL mode never blocks the writer. Used by `fhir-adapter backup`.
#include <string>

namespace fa::store {

// Copies the store at `source` to `target`, which must not exist yet (created 0600). Throws
// StoreError naming the file and SQLite's reason.
void backupStore(const std::string& source, const std::string& target);

// `PRAGMA integrity_check` of a store file: "ok", or SQLite's first complaint.
std::string integrityCheck(const std::string& path);

}  // namespace fa::store

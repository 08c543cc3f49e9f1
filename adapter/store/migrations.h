#pragma once
// Schema migrations: each step takes the store from version N-1 to N inside one transaction.
// A store written by a newer adapter is refused rather than misread.
#include "store/sqlite_db.h"

namespace fa::store {

inline constexpr int kSchemaVersion = 3;

// Brings the database to kSchemaVersion; returns the version it found.
int migrate(SqliteDb& db);
int schemaVersion(SqliteDb& db);

}  // namespace fa::store

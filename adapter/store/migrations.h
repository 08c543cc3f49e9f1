#pragma once
// Schema migrations: each step takes the store from version N-1 to N inside one write
// transaction that also reads the version, so concurrent openers never both apply a step.
// A store written by a newer adapter is refused rather than misread.
#include <string>

#include "store/sqlite_db.h"

namespace fa::store {

inline constexpr int kSchemaVersion = 7;

// Brings the database to kSchemaVersion; returns the version it found.
int migrate(SqliteDb& db);
int schemaVersion(SqliteDb& db);
// The SQL of step `to_version` (1-based: the step that makes version `to_version`), for tests
// that build a store as an earlier adapter left it.
const std::string& migrationStep(int to_version);

}  // namespace fa::store

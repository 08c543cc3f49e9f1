#pragma once
// Files and folders the store creates are private to the adapter's user (0600 / 0700) whatever
// the process umask: they hold FHIR resources with patient data.
#include <string>

namespace fa::store {

// Creates the missing folders of `dir` (not those that exist) with mode 0700.
void createPrivateDirectories(const std::string& dir);

// Creates `path` (and its missing folders) with mode 0600 unless it exists; an existing file is
// left as it is. Throws StoreError when it cannot. SQLite names such as ":memory:" are skipped.
void createPrivateFile(const std::string& path);

// Opens `path` read-write, creating it (and its folders) with mode 0600; returns the descriptor
// (O_CLOEXEC). Throws StoreError when it cannot.
int openPrivateFile(const std::string& path);

}  // namespace fa::store

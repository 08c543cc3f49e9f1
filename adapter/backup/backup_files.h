#pragma once
// File helpers of the backup: copies that hash what they write, hashes of files, the manifest.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "backup/backup.h"

namespace fa::backup {

struct Copied {
  std::uint64_t bytes = 0;
  std::string sha256;
};

// Copies `from` to a new private file `to` (0600), fsynced. With `whole_lines`, copies only up
// to the last newline (an append-only file being written may end in half a line).
Copied copyHashed(const std::filesystem::path& from, const std::filesystem::path& to, bool whole_lines);

Copied hashFile(const std::filesystem::path& file);

std::string manifestText(const std::vector<ManifestEntry>& entries);
// Throws BackupError naming the line that is not "HASH  PATH" or names an unexpected path.
std::vector<ManifestEntry> parseManifest(const std::string& text, const std::string& label);

}  // namespace fa::backup

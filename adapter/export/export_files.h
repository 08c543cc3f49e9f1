#pragma once
// Writes finished export files into the output folder (created when absent). Each file is written
// beside its final name and renamed into place, so a reader never sees half a file; nothing is
// written when the folder cannot be made.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fa::exports {

class ExportWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// (file name, content) pairs; throws ExportWriteError naming the file at fault.
void writeExportFiles(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace fa::exports

#include "export/export_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fa::exports {
namespace {

void writeOne(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) throw ExportWriteError(temporary.string() + ": " + std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(temporary.c_str());
    throw ExportWriteError(path.string() + ": cannot be written");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    throw ExportWriteError(path.string() + ": " + ec.message());
  }
}

}  // namespace

void writeExportFiles(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) throw ExportWriteError(dir.string() + ": cannot create the output folder");
  for (const auto& [name, content] : files)
    writeOne(dir / name, content);
}

}  // namespace fa::exports

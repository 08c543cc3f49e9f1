#pragma once
// A private temporary folder for the harnesses that must read files (fhir-mappings/, the TOML
// file, the receiver's store): made once per process under $TMPDIR, removed at exit.
#include <filesystem>
#include <fstream>
#include <string_view>

namespace fa::fuzz {

const std::filesystem::path& scratchDir();

// Writes `text` to `path`, replacing what was there.
inline void writeFile(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace fa::fuzz

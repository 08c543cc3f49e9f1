#pragma once
// A private copy of the default fhir-mappings/ in a temporary folder, edited by text
// replacement, for configurations the defaults do not have (site ranges, broken files).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "mapping/config_loader.h"

namespace fa::test {

class MappingsCopy {
 public:
  MappingsCopy() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("fa-mappings-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    for (const char* name : mapping::kMappingFiles) {
      std::filesystem::copy_file(std::filesystem::path(FA_SOURCE_DIR "/fhir-mappings") / name, dir_ / name);
    }
  }
  ~MappingsCopy() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  MappingsCopy(const MappingsCopy&) = delete;
  MappingsCopy& operator=(const MappingsCopy&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& file) const { return (dir_ / file).string(); }

  std::string read(const std::string& file) const {
    std::ifstream in(dir_ / file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& file, const std::string& text) const {
    std::ofstream out(dir_ / file, std::ios::binary | std::ios::trunc);
    out << text;
  }
  // Replaces the first occurrence of `from` (which must exist) in the file.
  void replace(const std::string& file, const std::string& from, const std::string& to) const {
    std::string text = read(file);
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "\"" << from << "\" not in " << file;
    text.replace(at, from.size(), to);
    write(file, text);
  }
  std::shared_ptr<const mapping::TrialConfig> load() const { return mapping::loadTrialConfig(dir_); }

 private:
  std::filesystem::path dir_;
};

}  // namespace fa::test

#include "scratch_dir.h"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace fa::fuzz {
namespace {

struct Scratch {
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fa-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary folder");
    dir = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::filesystem::path dir;
};

}  // namespace

const std::filesystem::path& scratchDir() {
  static const Scratch scratch;
  return scratch.dir;
}

}  // namespace fa::fuzz

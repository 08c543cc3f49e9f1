#include "cli/input_files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fa::cli {

InputFile::~InputFile() {
  if (file && file != stdin) std::fclose(file);
}

std::unique_ptr<InputFile> openInput(const std::string& argument) {
  auto in = std::make_unique<InputFile>();
  if (argument == "-") {
    in->file = stdin;
    in->label = "<stdin>";
    return in;
  }
  in->label = argument;
  std::error_code ec;
  if (std::filesystem::is_directory(argument, ec)) {
    in->error = "is a directory";
    return in;
  }
  in->file = std::fopen(argument.c_str(), "rb");
  if (!in->file) in->error = std::strerror(errno);
  return in;
}

}  // namespace fa::cli

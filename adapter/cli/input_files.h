#pragma once
// Opening INPUT arguments: a path, or "-" for standard input.
#include <cstdio>
#include <memory>
#include <string>

namespace fa::cli {

struct InputFile {
  std::FILE* file = nullptr;  // owned unless it is stdin
  std::string label;          // as shown in messages
  std::string error;          // why it could not be opened ("" when open)
  ~InputFile();
  InputFile() = default;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
};

std::unique_ptr<InputFile> openInput(const std::string& argument);

}  // namespace fa::cli

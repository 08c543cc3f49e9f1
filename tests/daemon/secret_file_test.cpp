// readSecretFile: the one reader of secret files (FHIR password/token, callback token, HMAC).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "daemon/daemon_config.h"

namespace fa::daemon {
namespace {

std::filesystem::path writeFile(const std::string& name, const std::string& content) {
  auto path = std::filesystem::temp_directory_path() / ("fa-secret-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(SecretFile, TrailingNewlinesAreStripped) {
  auto path = writeFile("ok", "s3cret\r\n\n");
  EXPECT_EQ(readSecretFile(path, "token"), std::optional<std::string>("s3cret"));
  std::filesystem::remove(path);
}

TEST(SecretFile, NoFileConfiguredIsNoSecret) {
  EXPECT_EQ(readSecretFile({}, "token"), std::nullopt);
}

TEST(SecretFile, MissingOrEmptyFilesAreNamedButNeverEchoed) {
  auto empty = writeFile("empty", "\n");
  try {
    readSecretFile(empty, "callback HMAC secret");
    ADD_FAILURE() << "an empty secret file must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "the callback HMAC secret file " + empty.string() + " is empty");
  }
  std::filesystem::remove(empty);
  EXPECT_THROW(readSecretFile("/nonexistent/fa-secret", "token"), std::runtime_error);
}

}  // namespace
}  // namespace fa::daemon

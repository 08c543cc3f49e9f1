#include "console/accounts_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace fa::console {
namespace {

std::string errnoText() {
  return std::strerror(errno);
}

void writeAll(int fd, const std::string& text, const std::filesystem::path& tmp) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw AccountsError(tmp.string() + ": cannot write: " + errnoText());
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::vector<Account> loadAccounts(const std::filesystem::path& file) {
  std::vector<Account> out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw AccountsError(file.string() + ": cannot read");
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    std::string why;
    auto account = parseAccountLine(line, &why);
    if (!account) throw AccountsError(file.string() + " line " + std::to_string(number) + ": " + why);
    out.push_back(std::move(*account));
  }
  return out;
}

void saveAccounts(const std::filesystem::path& file, const std::vector<Account>& accounts) {
  std::string text = "# fhir-adapter review console accounts: written by `fhir-adapter user`, never by hand\n";
  for (const Account& a : accounts)
    text += formatAccountLine(a) + "\n";
  std::error_code ec;
  if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path(), ec);
  const std::filesystem::path tmp = file.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw AccountsError(tmp.string() + ": cannot create: " + errnoText());
  try {
    ::fchmod(fd, 0600);  // whatever the umask
    writeAll(fd, text, tmp);
    if (::fsync(fd) != 0) throw AccountsError(tmp.string() + ": fsync: " + errnoText());
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw AccountsError(file.string() + ": cannot replace: " + errnoText());
  }
}

const Account* findAccount(const std::vector<Account>& accounts, const std::string& login) {
  for (const Account& a : accounts)
    if (a.login == login) return &a;
  return nullptr;
}

Account* findAccount(std::vector<Account>& accounts, const std::string& login) {
  for (Account& a : accounts)
    if (a.login == login) return &a;
  return nullptr;
}

}  // namespace fa::console

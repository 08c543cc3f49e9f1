// Accounts: roles, validation, argon2id hashing and the users file (mode 0600, atomic).
#include "console/accounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "console/accounts_file.h"

namespace fa::console {
namespace {

// A tiny work factor keeps the tests fast; the format and the check are the same.
const HashCost kCheap{64, 1, 1};

TEST(Accounts, RolesDecideWhoReviewsAndWhoSigns) {
  EXPECT_TRUE(canReview(Role::Monitor));
  EXPECT_TRUE(canSign(Role::Monitor));
  EXPECT_TRUE(canReview(Role::DataManager));
  EXPECT_FALSE(canSign(Role::DataManager));
  EXPECT_FALSE(canReview(Role::Viewer));
  EXPECT_FALSE(canSign(Role::Viewer));
  EXPECT_EQ(parseRole("data-manager"), Role::DataManager);
  EXPECT_EQ(parseRole("admin"), std::nullopt);
  EXPECT_EQ(roleName(Role::Monitor), "monitor");
}

TEST(Accounts, LoginsNamesAndPasswordsAreChecked) {
  EXPECT_EQ(loginProblem("jsmith"), "");
  EXPECT_EQ(loginProblem("j.smith-2_x"), "");
  EXPECT_NE(loginProblem(""), "");
  EXPECT_NE(loginProblem("JSmith"), "");   // upper case: one spelling per person
  EXPECT_NE(loginProblem("j smith"), "");  // a space
  EXPECT_NE(loginProblem("a\tb"), "");     // a tab would break the file
  EXPECT_NE(loginProblem(std::string(65, 'a')), "");
  EXPECT_EQ(nameProblem("J. Smith"), "");
  EXPECT_NE(nameProblem("J.\nSmith"), "");
  EXPECT_NE(nameProblem(std::string(101, 'x')), "");
  EXPECT_NE(passwordProblem("short"), "");
  EXPECT_EQ(passwordProblem("twelve chars"), "");  // exactly 12
  EXPECT_NE(passwordProblem(std::string(257, 'p')), "");
}

TEST(Accounts, Argon2idHashVerifiesOnlyTheRightPassword) {
  const std::string h = hashPassword("correct horse battery", kCheap);
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << h;
  EXPECT_TRUE(verifyPassword(h, "correct horse battery"));
  EXPECT_FALSE(verifyPassword(h, "correct horse batterY"));
  EXPECT_FALSE(verifyPassword(h, ""));
  EXPECT_FALSE(verifyPassword("plain text", "plain text"));  // never a stored clear password
  // A fresh salt each time: the same password gives another hash, both verify.
  const std::string again = hashPassword("correct horse battery", kCheap);
  EXPECT_NE(h, again);
  EXPECT_TRUE(verifyPassword(again, "correct horse battery"));
}

TEST(Accounts, DefaultCostIsOwaspArgon2id) {
  const std::string h = hashPassword("correct horse battery");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;  // 19 MiB = 19 * 1024 KiB
}

TEST(Accounts, LineRoundTripsAndRejectsDamage) {
  Account a{
      "jsmith", "J. Smith", Role::Monitor, false, hashPassword("correct horse battery", kCheap), "2026-12-01T06:00:00.000Z"};
  const std::string line = formatAccountLine(a);
  auto back = parseAccountLine(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->login, "jsmith");
  EXPECT_EQ(back->name, "J. Smith");
  EXPECT_EQ(back->role, Role::Monitor);
  EXPECT_FALSE(back->disabled);
  EXPECT_EQ(back->password_hash, a.password_hash);
  std::string why;
  EXPECT_FALSE(parseAccountLine("jsmith\tmonitor\tactive\tx\tclear-password\tJ. Smith", &why));
  EXPECT_EQ(why, "bad password hash");
  EXPECT_FALSE(parseAccountLine("jsmith\troot\tactive\tx\t" + a.password_hash + "\tJ. Smith", &why));
  EXPECT_EQ(why, "bad role");
  EXPECT_FALSE(parseAccountLine("jsmith\tmonitor", &why));
}

TEST(AccountsFile, SavedPrivateAndLoadedBack) {
  const auto dir = std::filesystem::temp_directory_path() / ("fa-accounts-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto file = dir / "review-users";
  EXPECT_TRUE(loadAccounts(file).empty());  // absent: no accounts
  std::vector<Account> accounts = {
      {"jsmith", "J. Smith", Role::Monitor, false, hashPassword("correct horse battery", kCheap), "t1"},
      {"dm", "D. Manager", Role::DataManager, true, hashPassword("another long one", kCheap), "t2"}};
  ::umask(0022);  // a permissive umask must not make the file readable by others
  saveAccounts(file, accounts);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = loadAccounts(file);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(back[1].disabled);
  ASSERT_NE(findAccount(back, "dm"), nullptr);
  EXPECT_EQ(findAccount(back, "dm")->role, Role::DataManager);
  EXPECT_EQ(findAccount(back, "nobody"), nullptr);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  // A damaged line is named, never guessed at.
  std::ofstream(file, std::ios::app) << "garbage line\n";
  try {
    loadAccounts(file);
    FAIL() << "expected AccountsError";
  } catch (const AccountsError& e) {
    EXPECT_NE(std::string(e.what()).find("line 4"), std::string::npos) << e.what();  // comment, 2 accounts, garbage
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fa::console

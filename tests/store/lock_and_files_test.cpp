// StoreLock (one writing process per store) and the modes of what the store creates.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>

#include "store/observation_store.h"
#include "store/store_lock.h"
#include "store/store_test_support.h"

namespace fa::store {
namespace {

unsigned mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 07777;  // absent: matches no expected mode
  return st.st_mode & 0777;
}

TEST(StoreLock, ASecondProcessIsRefusedWithTheHoldersPid) {
  test::TempDir dir;
  const std::string db = dir.file("adapter.db");
  StoreLock held = StoreLock::acquire(db);
  const std::string expected = "store " + db + " is in use by process " + std::to_string(::getpid());
  const int code = test::inChild([&] {
    try {
      StoreLock::acquire(db);
      return 1;  // taken twice: wrong
    } catch (const StoreLockedError& e) {
      return std::string(e.what()) == expected && e.holderPid() == ::getppid() ? 0 : 2;
    }
  });
  EXPECT_EQ(code, 0);
  std::ifstream in(db + ".lock");
  long pid = 0;
  in >> pid;
  EXPECT_EQ(pid, ::getpid());
}

TEST(StoreLock, ALockEndsWithItsHolderEvenWhenItDies) {
  test::TempDir dir;
  const std::string db = dir.file("adapter.db");
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = test::forkChild([&] {
    StoreLock lock = StoreLock::acquire(db);
    char c = 'x';
    (void)::write(ready[1], &c, 1);
    (void)::read(release[0], &c, 1);
    ::_exit(0);  // dies holding it: no destructor runs
    return 0;
  });
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    StoreLock::acquire(db);
    ADD_FAILURE() << "acquired while the child holds it";
  } catch (const StoreLockedError& e) {
    EXPECT_EQ(e.holderPid(), child);
    EXPECT_NE(std::string(e.what()).find("in use by process " + std::to_string(child)), std::string::npos);
  }
  ASSERT_EQ(::write(release[1], &c, 1), 1);
  EXPECT_EQ(test::waitChild(child), 0);
  EXPECT_NO_THROW(StoreLock::acquire(db));
  for (int fd : {ready[0], ready[1], release[0], release[1]})
    ::close(fd);
}

TEST(StoreFiles, AreOwnerOnlyWhateverTheUmask) {
  test::TempDir dir;
  const mode_t previous = ::umask(022);  // the usual default: files 0644, folders 0755
  const std::string db = (dir.path() / "var" / "state" / "adapter.db").string();
  {
    ObservationStore s(db, SqliteDb::Mode::ReadWrite);
    s.setMeta("k", "v");  // WAL mode: -wal and -shm exist while the connection is open
    StoreLock lock = StoreLock::acquire(db);
    EXPECT_EQ(mode(db), 0600u);
    EXPECT_EQ(mode(db + "-wal"), 0600u);
    EXPECT_EQ(mode(db + "-shm"), 0600u);
    EXPECT_EQ(mode(db + ".lock"), 0600u);
    EXPECT_EQ(mode((dir.path() / "var").string()), 0700u);
    EXPECT_EQ(mode((dir.path() / "var" / "state").string()), 0700u);
  }
  ::umask(previous);
}

TEST(StoreFiles, AnExistingFolderKeepsItsMode) {
  test::TempDir dir;
  const mode_t previous = ::umask(022);
  std::filesystem::create_directory(dir.path() / "shared");
  ::chmod((dir.path() / "shared").c_str(), 0750);
  ObservationStore s((dir.path() / "shared" / "adapter.db").string(), SqliteDb::Mode::ReadWrite);
  EXPECT_EQ(mode((dir.path() / "shared").string()), 0750u);
  EXPECT_EQ(mode((dir.path() / "shared" / "adapter.db").string()), 0600u);
  ::umask(previous);
}

}  // namespace
}  // namespace fa::store

#pragma once
// Helpers of the store tests: a temporary folder, typed sample records, a forked child process
// (crash points, a second process taking the lock or migrating), and a raw look inside.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "core/decimal.h"
#include "engine/outcome_record.h"
#include "store/sqlite_db.h"

namespace fa::store::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fa-store-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline core::Decimal dec(const char* text) {
  return *core::Decimal::parse(text);
}

// A selected, flagged BILI result of subject S-001 (resource id `id`).
inline engine::OutcomeRecord sampleRecord(const std::string& id, const char* value = "25.5") {
  engine::OutcomeRecord r;
  r.resource_id = id;
  r.subject_id = "S-001";
  r.analyte = "BILI";
  r.observation = "Observation/" + id + "/_history/1";
  r.status = "final";
  r.effective = "2026-02-03";
  r.study_day = 8;
  r.visit = "W1";
  r.selected = true;
  r.value = dec(value);
  r.unit = "umol/L";
  r.source_value = value;
  r.source_unit = "umol/L";
  r.range.low = dec("3.4");
  r.range.high = dec("20.5");
  r.ref_source = core::RangeSource::Site;
  r.flag = core::Flag::High;
  r.ctcae_grade = 1;
  return r;
}

// Runs `body` in a forked child and returns its pid. The child leaves with _exit and the code
// `body` returned (98 when it threw): no destructor, no flush, as after a crash.
inline pid_t forkChild(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 98;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());  // the failure's cause
    } catch (...) {
      std::fprintf(stderr, "child %d: unknown exception\n", static_cast<int>(::getpid()));
    }
    ::_exit(code);
  }
  return pid;
}

// The child's exit code; -1 when a signal ended it, -2 when there is no such child.
inline int waitChild(pid_t pid) {
  int status = 0;
  if (pid <= 0 || ::waitpid(pid, &status, 0) != pid) return -2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline int inChild(const std::function<int()>& body) {
  return waitChild(forkChild(body));
}

// COUNT(*) of a table through a connection of its own (tests may look at tables directly).
inline std::int64_t rowCount(const std::string& db, const std::string& table) {
  SqliteDb raw(db, SqliteDb::Mode::ReadOnly);
  Statement s = raw.prepare("SELECT COUNT(*) FROM " + table);
  s.step();
  return s.integer(0);
}

}  // namespace fa::store::test

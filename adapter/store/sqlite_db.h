#pragma once
// SqliteDb: a small RAII wrapper over the sqlite3 C API: prepared statements, transactions,
// errors as exceptions (a store that cannot write is a system failure, not bad input).
// One connection per thread; not thread-safe itself.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace fa::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bindOptional(int index, const std::optional<std::string>& text);  // nullopt -> NULL
  Statement& bindOptional(int index, const std::optional<std::int64_t>& value);
  Statement& bindNull(int index);
  bool step();  // true while a row is available
  void run();   // step to completion, then reset
  void reset();
  std::string text(int column) const;
  std::optional<std::string> optionalText(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optionalInteger(int column) const;
  bool isNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  enum class Mode { ReadWrite, ReadOnly };
  // ReadWrite creates a missing file (0600) and missing parent folders (0700), whatever the
  // umask: the store holds resources with patient data. SQLite gives -wal and -shm the mode of
  // the database file.
  SqliteDb(const std::string& path, Mode mode);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  sqlite3* handle() { return db_; }
  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  std::size_t changes();

  // RAII transaction: commits on commit(), rolls back if destroyed without it.
  class Transaction {
   public:
    explicit Transaction(SqliteDb& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    SqliteDb& db_;
    bool done_ = false;
  };

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace fa::store

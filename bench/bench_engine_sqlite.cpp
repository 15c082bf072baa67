// SQLite as an engine under test (bench_engine.cpp).
//
// One file bench.sqlite, journal_mode=WAL; durable = synchronous=FULL (the WAL
// is synced at every commit), lazy = synchronous=NORMAL (synced only at WAL
// checkpoints: a commit may be lost in a power failure, never corrupted).
// Table `kv(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID`: a clustered
// B-tree on the key, like esekit's table (a rowid table would store each key
// twice, in the table and in the key's index). cache_size = 256 MiB, the same
// budget as esekit's default InstanceOptions::cacheSize. One connection in
// multi-thread mode (SQLITE_OPEN_NOMUTEX), prepared statements throughout.
#include <sqlite3.h>

#include "bench_engine_workload.h"

namespace esekit::bench {
namespace {

class SqliteEngine final : public EngineUnderTest {
 public:
  ~SqliteEngine() override { release(); }

  Failure open(const std::filesystem::path& directory, Commit commit) override {
    const std::string path = (directory / "bench.sqlite").string();
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      return error("sqlite3_open_v2 " + path);
    }
    std::string journalMode;
    if (sqlite3_exec(
            db_, "PRAGMA journal_mode=WAL",
            [](void* out, int, char** values, char**) {
              *static_cast<std::string*>(out) = values[0] ? values[0] : "";
              return 0;
            },
            &journalMode, nullptr) != SQLITE_OK) {
      return error("PRAGMA journal_mode=WAL");
    }
    if (journalMode != "wal") return "journal_mode is " + journalMode + ", not wal";
    const char* synchronous = commit == Commit::Durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    if (auto failure = exec(synchronous)) return failure;
    if (auto failure = exec("PRAGMA cache_size=-262144")) return failure;  // KiB: 256 MiB
    if (auto failure = exec("CREATE TABLE IF NOT EXISTS kv(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID")) {
      return failure;
    }
    if (auto failure = prepare("BEGIN", begin_)) return failure;
    if (auto failure = prepare("COMMIT", commit_)) return failure;
    if (auto failure = prepare("INSERT INTO kv(key, value) VALUES(?1, ?2)", insert_)) return failure;
    return prepare("SELECT value FROM kv WHERE key = ?1", select_);
  }

  Failure begin() override { return step(begin_, "BEGIN"); }

  Failure insert(ByteSpan key, ByteSpan value) override {
    sqlite3_bind_blob(insert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    return step(insert_, "INSERT");
  }

  Failure commit() override { return step(commit_, "COMMIT"); }

  // A deferred transaction: the first SELECT takes the read snapshot.
  Failure beginReads() override { return step(begin_, "BEGIN (reads)"); }

  Failure read(ByteSpan key, ByteSpan& value) override {
    sqlite3_reset(select_);  // keeps the previous value valid until this read
    sqlite3_bind_blob(select_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(select_);
    if (rc == SQLITE_DONE) return "key not found";
    if (rc != SQLITE_ROW) return error("SELECT");
    value = ByteSpan(static_cast<const uint8_t*>(sqlite3_column_blob(select_, 0)),
                     static_cast<size_t>(sqlite3_column_bytes(select_, 0)));
    return std::nullopt;
  }

  Failure endReads() override {
    sqlite3_reset(select_);
    return step(commit_, "COMMIT (reads)");
  }

  // The last connection's close checkpoints the WAL into bench.sqlite
  // (synced) and deletes it.
  Failure close() override {
    for (sqlite3_stmt** statement : {&begin_, &commit_, &insert_, &select_}) {
      sqlite3_finalize(*statement);
      *statement = nullptr;
    }
    const int rc = sqlite3_close(db_);
    if (rc != SQLITE_OK) return error("sqlite3_close");
    db_ = nullptr;
    return std::nullopt;
  }

 private:
  void release() {
    for (sqlite3_stmt* statement : {begin_, commit_, insert_, select_}) sqlite3_finalize(statement);
    if (db_) sqlite3_close(db_);
  }

  Failure error(const std::string& what) const {
    return what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
  }

  Failure exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error(sql);
    return std::nullopt;
  }

  Failure prepare(const char* sql, sqlite3_stmt*& statement) {
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) return error(sql);
    return std::nullopt;
  }

  Failure step(sqlite3_stmt* statement, const char* what) {
    const int rc = sqlite3_step(statement);
    Failure failure;
    if (rc != SQLITE_DONE) failure = error(what);
    sqlite3_reset(statement);
    return failure;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
};

}  // namespace

std::unique_ptr<EngineUnderTest> makeSqliteEngine() { return std::make_unique<SqliteEngine>(); }

}  // namespace esekit::bench

// LMDB as an engine under test (bench_engine.cpp).
//
// One environment (data.mdb, lock.mdb) in the run directory, the unnamed
// database, default page size (4 KiB), pages written with write() (no
// MDB_WRITEMAP). Durable = default flags: every commit writes its pages, syncs
// (fdatasync), writes the meta page and syncs again. Lazy = MDB_NOSYNC: no
// sync at commit (a process crash loses nothing; a power failure may lose
// the last commits and, unlike esekit's and SQLite's lazy modes, may leave the
// database corrupt); close() then syncs once with mdb_env_sync.
// Inserts use MDB_NOOVERWRITE (a duplicate is an error, as in the others),
// never MDB_APPEND. The reads run in one read-only transaction.
#include <lmdb.h>

#include "bench_engine_workload.h"

namespace esekit::bench {
namespace {

class LmdbEngine final : public EngineUnderTest {
 public:
  ~LmdbEngine() override {
    if (txn_) mdb_txn_abort(txn_);
    if (env_) mdb_env_close(env_);
  }

  Failure open(const std::filesystem::path& directory, Commit commit) override {
    commit_ = commit;
    if (int rc = mdb_env_create(&env_)) return error("mdb_env_create", rc);
    // Address space only: data.mdb grows with what is written.
    if (int rc = mdb_env_set_mapsize(env_, size_t{64} << 30)) return error("mdb_env_set_mapsize", rc);
    const unsigned flags = commit == Commit::Durable ? 0u : unsigned{MDB_NOSYNC};
    if (int rc = mdb_env_open(env_, directory.c_str(), flags, 0644)) return error("mdb_env_open " + directory.string(), rc);
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn)) return error("mdb_txn_begin", rc);
    if (int rc = mdb_dbi_open(txn, nullptr, 0, &dbi_)) {
      mdb_txn_abort(txn);
      return error("mdb_dbi_open", rc);
    }
    if (int rc = mdb_txn_commit(txn)) return error("mdb_txn_commit (open)", rc);
    return std::nullopt;
  }

  Failure begin() override {
    if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn_)) return error("mdb_txn_begin", rc);
    return std::nullopt;
  }

  Failure insert(ByteSpan key, ByteSpan value) override {
    MDB_val k{key.size(), const_cast<uint8_t*>(key.data())};
    MDB_val v{value.size(), const_cast<uint8_t*>(value.data())};
    if (int rc = mdb_put(txn_, dbi_, &k, &v, MDB_NOOVERWRITE)) return error("mdb_put", rc);
    return std::nullopt;
  }

  Failure commit() override {
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;  // freed by commit, even when it fails
    if (rc) return error("mdb_txn_commit", rc);
    return std::nullopt;
  }

  Failure beginReads() override {
    if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_)) return error("mdb_txn_begin (read-only)", rc);
    return std::nullopt;
  }

  Failure read(ByteSpan key, ByteSpan& value) override {
    MDB_val k{key.size(), const_cast<uint8_t*>(key.data())};
    MDB_val v{};
    const int rc = mdb_get(txn_, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return "key not found";
    if (rc) return error("mdb_get", rc);
    value = ByteSpan(static_cast<const uint8_t*>(v.mv_data), v.mv_size);
    return std::nullopt;
  }

  Failure endReads() override {
    mdb_txn_abort(txn_);
    txn_ = nullptr;
    return std::nullopt;
  }

  Failure close() override {
    if (commit_ == Commit::Lazy) {
      if (int rc = mdb_env_sync(env_, 1)) return error("mdb_env_sync", rc);
    }
    mdb_env_close(env_);
    env_ = nullptr;
    return std::nullopt;
  }

 private:
  static Failure error(const std::string& what, int rc) { return what + ": " + mdb_strerror(rc); }

  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
  Commit commit_ = Commit::Durable;
};

}  // namespace

std::unique_ptr<EngineUnderTest> makeLmdbEngine() { return std::make_unique<LmdbEngine>(); }

}  // namespace esekit::bench

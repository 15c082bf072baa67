// Internal state behind the public Instance/Database/Table/Session/Cursor
// handles. How the pieces fit (engine/README.md has the longer story):
//  - a transaction buffers its writes (WriteSet) and holds write intents in
//    the tables' VersionStores; reads merge its writes, the versions newer
//    than its snapshot, and the B+tree;
//  - commit runs under commitMutex_: Begin0, the row operations (each logged
//    by the store before it changes a page), Commit0; then the commit number
//    is published; a durable commit then waits for the log flush (group
//    commit, outside the mutex);
//  - checkpoint runs under commitMutex_ too, so pages reach the disk only
//    between commits and never carry uncommitted changes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/checkpoint.h"
#include "instance/engine_log.h"
#include "instance/freeze_gate.h"
#include "instance/version_store.h"
#include "store/database_store.h"
#include "table/table_store.h"

namespace esekit::engine {

class InstanceImpl;
class DatabaseImpl;

class TableImpl {
 public:
  TableImpl(DatabaseImpl& database, table::TableInfo info) : database(database), info(std::move(info)) {}
  DatabaseImpl& database;
  table::TableInfo info;
  VersionStore versions;
  std::atomic<bool> deleted{false};
};

class DatabaseImpl : public std::enable_shared_from_this<DatabaseImpl> {
 public:
  DatabaseImpl(InstanceImpl& instance, std::filesystem::path path) : instance(instance), path(std::move(path)) {}
  InstanceImpl& instance;
  std::filesystem::path path;
  std::unique_ptr<store::DatabaseStore> store;
  std::unique_ptr<table::TableStore> tables;
  // Readers share it; commits (tree changes) and checkpoints hold it exclusively.
  mutable std::shared_mutex latch;
  mutable std::mutex tableMapMutex;
  std::map<uint32_t, std::shared_ptr<TableImpl>> tableHandles;  // by objid
  std::atomic<bool> detached{false};

  Result<std::shared_ptr<TableImpl>> tableHandle(const std::string& name);
  Table makeTable(std::shared_ptr<TableImpl> impl) const { return Table(std::move(impl)); }
};

// One change a transaction will make at commit.
struct PendingWrite {  // the key is the write set's map key
  std::shared_ptr<TableImpl> table;
  RowImage after;         // nullopt: delete
  bool existedBefore = false;  // in the transaction's snapshot
};

class SessionImpl {
 public:
  SessionImpl(InstanceImpl& instance, uint16_t procid) : instance(instance), procid(procid) {}
  ~SessionImpl();

  InstanceImpl& instance;
  uint16_t procid;

  bool inTransaction = false;
  uint64_t transactionId = 0;
  uint64_t snapshot = 0;
  // Buffered writes per table, in key order.
  std::map<const TableImpl*, std::map<KeyBytes, PendingWrite, KeyLess>> writes;

  Status begin();
  Status commit(Durability durability);
  Status rollback();

  Status write(const Table& table, Bytes key, std::optional<Bytes> value, int mode);
  Result<RowImage> read(TableImpl& table, const KeyBytes& key);
  // The next/previous visible row after `key` (nullptr = from the start/end).
  Result<std::optional<std::pair<KeyBytes, std::vector<uint8_t>>>> neighbour(TableImpl& table, const KeyBytes* key,
                                                                             bool forward, bool inclusive);

 private:
  const PendingWrite* ownWrite(const TableImpl& table, const KeyBytes& key) const;
  Result<RowImage> committedImage(TableImpl& table, const KeyBytes& key, uint64_t snapshot);
  void releaseIntents();
};

class InstanceImpl {
 public:
  explicit InstanceImpl(InstanceOptions options) : options(std::move(options)) {}
  ~InstanceImpl();

  Status start();
  Status shutdown();

  Result<std::shared_ptr<DatabaseImpl>> createDatabase(const std::filesystem::path& path);
  Result<std::shared_ptr<DatabaseImpl>> attachDatabase(const std::filesystem::path& path);
  Status detachDatabase(const std::filesystem::path& path);
  Result<std::shared_ptr<DatabaseImpl>> findDatabase(const std::filesystem::path& path) const;
  std::vector<std::shared_ptr<DatabaseImpl>> attached() const;

  Result<std::unique_ptr<SessionImpl>> newSession();
  void endSession(uint16_t procid);

  // Snapshots of open transactions.
  uint64_t takeSnapshot();
  void dropSnapshot(uint64_t snapshot);
  uint64_t oldestSnapshot() const;
  bool hasOtherSnapshots() const;

  // Runs `apply` for a commit of session `procid` under the commit mutex:
  // Begin0, apply(context), Commit0 (or, if apply fails, compensation and
  // Rollback). Returns the log position after the commit record.
  Result<LogPosition> runCommit(uint16_t procid, const std::function<Status(const store::OperationContext&)>& apply);
  Status waitDurable(LogPosition position);

  Status checkpoint();
  Status checkpointLocked();  // commitMutex_ held
  void collectVersions();
  LogPosition lastCheckpointPosition() const {
    std::lock_guard lock(checkpointWakeMutex_);
    return lastCheckpoint_;
  }

  InstanceOptions options;
  RecoveryReport recoveryReport;
  // Backups (backup_support.h): one at a time; while one runs, generations
  // from backupFloor on are kept and checkpoints do not write database files
  // during a backup read (flushGate exclusive for checkpoint writes).
  std::atomic<bool> backupInProgress{false};
  std::atomic<int32_t> backupFloor{0};
  std::shared_mutex flushGate;
  std::mutex& commitMutex() { return commitMutex_; }
  // OS-snapshot write freeze (snapshot_support.h): commits, checkpoints,
  // attach/detach/create and shutdown wait on it under commitMutex_.
  FreezeGate freezeGate;
  std::atomic<uint64_t> commitCounter{0};   // last published commit number
  std::atomic<uint64_t> transactionCounter{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> checkpoints{0};
  std::unique_ptr<EngineLog> log;
  bool stopped = false;

  std::filesystem::path checkpointPath() const;
  DbmsParameters dbmsParameters() const;
  std::vector<AttachInfo> attachList() const;
  Status writeCheckpoint(LogPosition position) { return writeCheckpointAt(*log, position); }
  Status writeCheckpointAt(EngineLog& stream, LogPosition position);

 private:
  Status openLogStream();
  Status attachOpened(std::shared_ptr<DatabaseImpl> database, bool created);
  Status markClean(DatabaseImpl& database, LogPosition position);
  void checkpointThreadMain();

  mutable std::mutex databasesMutex_;
  std::vector<std::shared_ptr<DatabaseImpl>> databases_;  // index = dbid - 1 (nullptr when free)

  mutable std::mutex sessionsMutex_;
  std::set<uint16_t> procids_;

  mutable std::mutex snapshotMutex_;
  std::multiset<uint64_t> snapshots_;

  std::mutex commitMutex_;
  std::mutex applyMutex_;               // held while a commit changes trees (see takeSnapshot)
  std::optional<Status> fatal_;         // set when a commit failed half-way (guarded by commitMutex_)
  uint32_t trxCounter_ = 0;  // trxBegin0/trxCommit0 stamps
  LogPosition lastCheckpoint_;
  uint64_t logBytesAtCheckpoint_ = 0;

  std::thread checkpointThread_;
  mutable std::mutex checkpointWakeMutex_;
  std::condition_variable checkpointWake_;
  bool checkpointWanted_ = false;
  bool checkpointThreadStop_ = false;
  int lockFd_ = -1;
};

}  // namespace esekit::engine

// An esekit instance: the embeddable storage engine (the equivalent of an ESE
// JET_INSTANCE). One instance owns one log stream (a log directory with
// <base>.log, <base>XXXXX.log, <base>tmp.log and reserve logs
// <base>res00001.jrs...), one checkpoint file <base>.chk in the system
// directory, and the databases attached to it. Every file it writes is an
// ESE file: `esekit verify` checks them and libesedb/impacket read the
// databases.
//
// Contract, in the LMDB style:
//  - Errors are values (Status / Result<T>) carrying a JET_err code and a
//    message naming the file and position; no exception leaves this API.
//  - Thread safety: an Instance and its Database/Table handles may be used
//    from any number of threads at once. A Session (session.h) belongs to one
//    thread at a time.
//  - One process at a time: open() takes an exclusive lock on the checkpoint
//    file; a second open of the same log stream fails with
//    JET_errFileAccessDenied.
//  - Durability: a durable commit returns only after its log records are on
//    stable storage (fdatasync). A lazy commit is durable after the next
//    durable commit, flushLog(), checkpoint or shutdown.
//  - Crash safety: after a crash (process killed, power lost), open() runs
//    recovery (redo from the checkpoint, then undo of every transaction
//    without a commit) and the databases end clean; exactly the transactions
//    whose commit record reached the disk are present.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "esekit/engine/database.h"
#include "esekit/engine/session.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine {

struct InstanceOptions {
  // Where the log files live (JET_paramLogFilePath). Required.
  std::filesystem::path logDirectory;
  // Where <base>.chk lives (JET_paramSystemPath). Empty: the log directory.
  std::filesystem::path systemDirectory;
  // Three characters, [A-Za-z0-9], as JET_paramBaseName. Log files are named
  // <base>.log, <base>00001.log...; checkpoint <base>.chk.
  std::string baseName = "edb";
  // Size of every log file in bytes (JET_paramLogFileSize, ESE's default is
  // 5 MiB). A multiple of 4096, at least 64 KiB, at most 1 GiB.
  uint32_t logFileSize = 5u * 1024 * 1024;
  // Page size of databases created by this instance (JET_paramDatabasePageSize):
  // 4096, 8192, 16384 or 32768. Attached databases must have this page size.
  uint32_t pageSize = 8192;
  // JET_paramCircularLog: delete log generations older than the checkpoint.
  // When false, logs stay until a backup truncates them.
  bool circularLogging = false;
  // JET_paramCreatePathIfNotExist: create missing log/system directories.
  bool createPathsIfMissing = true;
  // Durability of commits that do not say otherwise.
  Durability defaultDurability = Durability::Durable;
  // Log bytes between checkpoints (JET_paramCheckpointDepthMax, ESE's
  // default 20 MiB). Bounds the work of crash recovery.
  uint64_t checkpointDepth = 20u * 1024 * 1024;
  // Page cache budget in bytes for clean pages (dirty pages stay cached until
  // the next checkpoint writes them).
  uint64_t cacheSize = 256u * 1024 * 1024;
  // Reserve log files kept in advance (<base>res00001.jrs...) so that a full
  // disk still leaves room to shut down cleanly (JET_errLogDiskFull).
  uint32_t reserveLogFiles = 2;
};

// What recovery did when open() found the instance not shut down cleanly.
struct RecoveryReport {
  bool ran = false;                  // false: the log ended clean, nothing to do
  LogPosition start;                 // where redo started (checkpoint)
  LogPosition end;                   // end of the replayed log
  uint64_t recordsReplayed = 0;      // records read in the redo pass
  uint64_t pagesRedone = 0;          // page operations applied (dbtime rule)
  uint64_t pagesSkipped = 0;         // page operations the page already had
  uint64_t transactionsCommitted = 0;
  uint64_t transactionsUndone = 0;   // transactions without a commit, rolled back
  std::vector<std::string> databases;  // files recovered (made clean)
  std::vector<std::string> notes;      // e.g. a logged database that was not found
};

struct InstanceStats {
  LogPosition logEnd;             // next record position
  LogPosition checkpoint;
  uint32_t currentGeneration = 0;
  uint64_t commits = 0;
  uint64_t durableFlushes = 0;    // fdatasync calls on the log (group commit)
  uint64_t checkpoints = 0;
  uint64_t dirtyPages = 0;
  uint64_t cachedPages = 0;
};

class InstanceImpl;

class Instance {
 public:
  // Opens (creating if needed) the log stream described by `options`. If the
  // log shows the instance was not shut down cleanly, runs crash recovery on
  // the databases named in the log first (see RecoveryReport).
  // Errors: InvalidParameter (option out of range), InvalidPath (missing
  // directory without createPathsIfMissing), FileAccessDenied (another
  // process has it open), MissingLogFile / BadLogSignature /
  // InvalidLogSequence / LogFileCorrupt (logs needed by recovery are absent,
  // from another stream or damaged; nothing is changed), DiskFull.
  static Result<std::unique_ptr<Instance>> open(const InstanceOptions& options);

  // Shuts down cleanly if shutdown() was not called (errors are then lost:
  // call shutdown() to see them).
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Clean shutdown: waits for no session to be in a transaction (open
  // transactions are rolled back), flushes every dirty page, writes the
  // Term record, marks every database clean at the final log position and
  // writes the checkpoint. Further calls on the instance fail with
  // JET_errTermInProgress.
  Status shutdown();

  // Creates a new database file (JetCreateDatabase): path must not exist
  // (JET_errDatabaseDuplicate). The file is attached to the instance.
  Result<Database> createDatabase(const std::filesystem::path& path);
  // Attaches an existing database (JetAttachDatabase). It must be in clean
  // shutdown state (JET_errDatabaseInconsistent otherwise: run recovery) and
  // have the instance's page size (JET_errPageSizeMismatch).
  Result<Database> attachDatabase(const std::filesystem::path& path);
  // Detaches: flushes its pages, logs the detach, leaves the file clean.
  // JET_errDatabaseInUse while a session has uncommitted changes to it.
  Status detachDatabase(const std::filesystem::path& path);
  // An attached database by path; JET_errDatabaseNotFound if not attached.
  Result<Database> database(const std::filesystem::path& path) const;
  std::vector<Database> databases() const;

  // A new session (JetBeginSession). At most 32767 sessions at once
  // (JET_errTooManyActiveUsers).
  Result<std::unique_ptr<Session>> beginSession();

  // Makes every committed transaction durable (fdatasync of the log).
  Status flushLog();
  // Writes every dirty page and advances the checkpoint to the log end. Runs
  // by itself whenever checkpointDepth bytes of log have been written.
  Status checkpoint();

  const RecoveryReport& recovery() const;
  InstanceStats stats() const;
  const InstanceOptions& options() const;

  InstanceImpl& impl() { return *impl_; }

 private:
  explicit Instance(std::unique_ptr<InstanceImpl> impl);
  std::unique_ptr<InstanceImpl> impl_;
};

}  // namespace esekit::engine

// The snapshot shim (issue 4 item 9): snapshot-consistent reads of a running
// instance's files, in the VSS requester role. ESE's counterpart is the
// JetOSSnapshot* API driven by the VSS writer
// (ese-format/checkpoint-and-backup.md §2 "OS snapshot" row, §9 grbits, §10
// errors -2401..-2404); doc/snapshot.md has the longer story.
//
// The sequence, for every implementation:
//
//   auto snap = makeLinuxSnapshot(options);        // or makeVssSnapshot (Windows)
//   snap->prepare(instance);   // JetOSSnapshotPrepare: one per instance
//   snap->freeze();            // engine freeze + the snapshot of the files
//   snap->thaw();              // writes go on; OSSnapshotTimeOut = discard it
//   snap->description();       // the files inside the snapshot, the stamp
//   backupFromSnapshot(snap->description(), dest, ...);  // copy + verify
//   snap->complete(true);      // BackupComplete: now the logs may be truncated
//
// Calls out of this order fail with JET_errOSSnapshotInvalidSequence (-2401)
// and change nothing. A snapshot destroyed without complete(true), or ended
// with complete(false) / abandon(), never truncates the instance's logs and
// never touches the database headers (VSS BackupShutdown without
// BackupComplete).
//
// What a snapshot holds: every attached database file and the log
// generations [startGeneration, endGeneration] as they were at the freeze,
// endGeneration being the <base>.log then written. The databases are dirty
// (attached) images; recovery of them with those logs (restore/, hard
// recovery) yields exactly the transactions acknowledged before the freeze.
//
// Thread safety: one thread at a time per SnapshotSource, except that the
// instance goes on being used by any number of threads throughout.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "esekit/backup/backup.h"
#include "esekit/backup/manifest.h"
#include "esekit/engine/instance.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::backup {

// One file of the snapshot.
struct SnapshotFile {
  FileKind kind = FileKind::Log;
  std::string name;                  // file name inside the snapshot (and in a backup made from it)
  std::filesystem::path source;      // the live file
  std::filesystem::path snapshot;    // the frozen copy: Linux snapshot directory / VSS shadow path
  uint64_t size = 0;                 // bytes at the freeze
  int32_t generation = 0;            // logs
  bool current = false;              // the <base>.log being written at the freeze
  uint32_t pageSize = 0;             // databases
  uint32_t dbid = 0;                 // databases
  std::optional<Hash128> hash;       // XXH3-128 of the snapshot bytes (hashSnapshotFiles)
};

// Everything a backup of the snapshot needs, also the transportable
// backup-components document (serializeSnapshotDocument).
struct SnapshotDescription {
  std::string id;               // 16 hex digits, random per prepare()
  BackupType type = BackupType::Full;  // Full (truncates at complete) or Copy (never)
  std::string method;           // "reflink", "copy", "reflink+copy" (Linux), "vss"
  std::filesystem::path location;  // snapshot directory / shadow copy device
  std::filesystem::path logDirectory;
  std::filesystem::path systemDirectory;  // where <base>.chk and the pending-snapshot record live
  std::string baseName = "edb";
  uint32_t logFileSize = 0;
  Signature logSignature;
  // startGeneration: first log a recovery of the databases needs (the
  // checkpoint at prepare()); endGeneration: <base>.log at the freeze;
  // checkpoint: at the freeze; mark/markTime: the Backup2 Begin record of the
  // snapshot (BKINFO lgposMark recorded by complete(true)).
  BackupStamp stamp;
  LogPosition logEnd;           // log end at the freeze (all before it durable)
  std::vector<SnapshotFile> files;  // databases first, then logs ascending
};

struct SnapshotOptions {
  // Full: complete(true) truncates the logs below stamp.startGeneration and
  // records the backup in the headers' full slot. Copy: neither truncation
  // nor slot other than Copy. Anything else: JET_errInvalidGrbit at prepare().
  BackupType type = BackupType::Full;
  // Longest freeze (JetOSSnapshotFreeze's timeout); a freeze that outlives
  // it is thawed by the engine and thaw() fails with OSSnapshotTimeOut.
  std::chrono::milliseconds freezeTimeout{20000};
  // Linux: the directory the frozen copies go into; created, must be empty
  // or missing (JET_errBackupDirectoryNotEmpty). Ignored by VSS.
  std::filesystem::path directory;
  // Linux: try FICLONE first (false: always copy; for tests and for
  // filesystems where a reflink would share blocks unwantedly).
  bool reflink = true;
  // Keep the snapshot files after complete()/abandon() (the CLI's
  // --export-snapshot: another process copies them later). Default: removed.
  bool keepFiles = false;
  // Testing: runs while the instance is frozen, after the files were taken.
  std::function<void()> duringFreeze;
};

// The requester side of a snapshot. Errors are Status with JET codes:
// OSSnapshotInvalidSequence (-2401) for calls out of order, OSSnapshotTimeOut
// (-2402) from thaw() when the freeze outlived its timeout,
// OSSnapshotNotAllowed (-2403) when the instance cannot be snapshotted
// (logging disabled, shut down, or another backup or snapshot running: the
// message names the engine's error), plus the I/O errors of taking the
// snapshot. Under circular logging complete(true) truncates nothing (the
// engine deletes old logs itself) but still records the backup.
class SnapshotSource {
 public:
  // Abandons a snapshot that was not completed (no truncation).
  virtual ~SnapshotSource() = default;

  // Registers the snapshot with the instance (holds its only backup session
  // until complete/abandon: no other backup, no log needed by the snapshot is
  // deleted, no database detached). Gathers the databases.
  virtual Status prepare(engine::Instance& instance) = 0;
  // Freezes the instance's writes (log flushed durably first) and takes the
  // snapshot of its files. The instance stays frozen until thaw(). On error
  // the instance is thawed and the snapshot is unusable (abandon()).
  virtual Status freeze() = 0;
  // Lets writes go on. OSSnapshotTimeOut: the freeze outlived its timeout,
  // the snapshot is discarded (complete(true) then fails).
  virtual Status thaw() = 0;
  // The files inside the snapshot and the stamp; valid after thaw().
  virtual const SnapshotDescription& description() const = 0;
  // BackupComplete: success = the requester has a verified copy; a Full
  // snapshot then truncates the logs below stamp.startGeneration (clamped to
  // the checkpoint) and records the backup in the database headers. false:
  // as abandon(). Ends the snapshot (snapshot files removed unless keepFiles).
  virtual Status complete(bool success) = 0;
  // Ends the snapshot without truncation (thaws first when frozen).
  virtual void abandon() = 0;
};

// Linux: engine freeze, FICLONE reflink of each file into options.directory
// (a copy when the filesystem cannot: EOPNOTSUPP, EXDEV, EINVAL, ENOTTY),
// thaw. Implemented in backup/src/snapshot_linux.cpp.
std::unique_ptr<SnapshotSource> makeLinuxSnapshot(SnapshotOptions options);

#ifdef _WIN32
// Windows: a VSS requester (IVssBackupComponents) around an engine freeze.
// backup/src/snapshot_vss.cpp.
std::unique_ptr<SnapshotSource> makeVssSnapshot(SnapshotOptions options);
#endif

// Copies the snapshot's files into a backup directory (atomic, compression,
// progress and fault hook as in BackupOptions; options.type and
// previousBackup must be the snapshot's type / empty: InvalidGrbit), verifying
// them with the same verifiers as backup(): every database page's checksum
// (ReadVerifyFailure naming file and page), every log scanned, of the
// instance's signature and chained (LogReadVerifyFailure naming the file),
// and the size and hash the description lists (ReadVerifyFailure /
// LogReadVerifyFailure: the snapshot file was altered). The manifest lists
// the databases with the trailer BKINFO [startGeneration, endGeneration], so
// restore/ replays exactly the snapshot's logs. Never truncates.
Result<BackupResult> backupFromSnapshot(const SnapshotDescription& snapshot, const std::filesystem::path& destination,
                                        const BackupOptions& options);

// XXH3-128 and size of every snapshot file into `snapshot.files[i].hash`.
Status hashSnapshotFiles(SnapshotDescription& snapshot);

// --- transportable hand-off (doc/snapshot.md) ---------------------------------

// The backup-components document: a manifest (doc/backup-manifest.md: type,
// stamp, databases, files with sizes and XXH3-128 hashes) with one more
// member "snapshot" (id, method, location, instance directories, each file's
// source and snapshot path, logEnd). Every file must have its hash.
std::string serializeSnapshotDocument(const SnapshotDescription& snapshot);
// JET_errInvalidBackup naming the member for a malformed document.
Result<SnapshotDescription> parseSnapshotDocument(std::string_view text);
Result<SnapshotDescription> readSnapshotDocument(const std::filesystem::path& path);
Status writeSnapshotDocument(const std::filesystem::path& path, const SnapshotDescription& snapshot);

// The pending-snapshot record of an exported snapshot:
// `<systemDirectory>/esekit-snapshot-<base>.json`, the document itself,
// written (durably) by exportPendingSnapshot() and consumed by
// completeExportedSnapshot(). One per instance; a new export replaces it.
std::filesystem::path pendingSnapshotPath(const std::filesystem::path& systemDirectory, const std::string& baseName);
Status exportPendingSnapshot(const SnapshotDescription& snapshot);

// `esekit backup --complete DOC`: `document` must match the instance's
// pending record (same id, log signature and stamp) — else
// OSSnapshotInvalidSnapId (-2404), also when there is none. Then, for a Full
// snapshot, truncates the logs below stamp.startGeneration (clamped to the
// checkpoint) and records the backup in the attached databases' full slot,
// removes the record and (removeFiles) the snapshot directory. Returns the
// truncation limit (0 for Copy).
Result<int32_t> completeExportedSnapshot(engine::Instance& instance, const SnapshotDescription& document,
                                         bool removeFiles);

}  // namespace esekit::backup

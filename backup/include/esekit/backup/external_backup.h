// The external (streaming) backup API, for applications that send the bytes
// elsewhere: the equivalent of JetBeginExternalBackupInstance,
// JetGetAttachInfoInstance, JetOpenFileInstance / JetReadFileInstance /
// JetCloseFileInstance, JetGetLogInfoInstance,
// JetGetTruncateLogInfoInstance, JetTruncateLogInstance and
// JetEndExternalBackupInstance2 (ese-format/checkpoint-and-backup.md §3).
//
// Protocol (calls out of order fail with JET_errInvalidBackupSequence and
// change nothing):
//   1. begin()                  - one backup per instance (BackupInProgress)
//   2. database phase (full only): attachInfo(); for each database
//      openFile() / readFile()... / closeFile(). A database stream is the
//      header page (with bkinfoFullCur set) twice, pages 1..pgnoLast with
//      every checksum verified (single-bit errors corrected in the returned
//      bytes, a bad page -> ReadVerifyFailure naming file and page, all-zero
//      pages as they are), then the trailer page (checkpoint-and-backup.md §5).
//   3. log phase, started by the first of logInfo() / truncateLogInfo() /
//      truncateLog(): the log is rolled over (Backup2 PrepareLogs) so the
//      last generation is complete; every log of logInfo() must be read
//      with openFile()/readFile() (each verified: LogReadVerifyFailure
//      naming file and sector) before truncateLog() (LogFileNotCopied).
//   4. end(Normal) records the backup in the database headers (slot chosen
//      by database-header.md §7 from kind and truncation); end(Abort), or
//      destroying the object, changes nothing.
//
// Thread safety: one thread at a time per ExternalBackup.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::backup {

// JetBeginExternalBackupInstance grbits (checkpoint-and-backup.md §9).
inline constexpr uint32_t kBackupIncremental = 0x00000001;  // JET_bitBackupIncremental
inline constexpr uint32_t kBackupAtomic = 0x00000004;       // JET_bitBackupAtomic (JetBackupInstance only)
// JetEndExternalBackupInstance2 grbits.
inline constexpr uint32_t kBackupEndNormal = 0x0001;        // JET_bitBackupEndNormal
inline constexpr uint32_t kBackupEndAbort = 0x0002;         // JET_bitBackupEndAbort
inline constexpr uint32_t kBackupTruncateDone = 0x0100;     // JET_bitBackupTruncateDone
inline constexpr uint32_t kBackupNoDbHeaderUpdate = 0x0200; // JET_bitBackupNoDbHeaderUpdate

// JET_LOGINFO plus the file list of JetGetLogInfo / JetGetTruncateLogInfo.
struct LogInfo {
  int32_t generationLow = 0;   // ulGenLow
  int32_t generationHigh = 0;  // ulGenHigh (inclusive); below generationLow when the list is empty
  std::string baseName;        // szBaseName
  std::vector<std::filesystem::path> files;  // full paths, ascending generations
};

// What one database stream holds (for the manifest and the trailer).
struct DatabaseStreamInfo {
  std::filesystem::path path;
  uint8_t dbid = 0;
  uint32_t pageSize = 0;
  Signature databaseSignature;
  uint64_t streamPages = 0;     // header + shadow + pages 1..pgnoLast + trailer
  BackupInfo trailer;           // the trailer's BKINFO (valid once the stream was read whole)
  uint64_t correctedPages = 0;  // pages with single-bit errors fixed in the stream
  bool copied = false;          // every byte was read
  // The header's backup history at begin() (database-header.md §7).
  BackupInfo previousFull;
  BackupInfo previousIncremental;
};

class ExternalBackup {
 public:
  using Handle = uint32_t;

  // JetBeginExternalBackupInstance. grbit: 0 (full) or kBackupIncremental;
  // anything else -> InvalidGrbit. Errors: BackupInProgress, TermInProgress,
  // LoggingDisabled, InvalidBackup (incremental with circular logging),
  // MissingFullBackup (incremental while an attached database has no full
  // backup that truncated logs, bkinfoFullPrev), MissingFileToBackup
  // (incremental: logs since the last full/incremental were deleted).
  static Result<std::unique_ptr<ExternalBackup>> begin(engine::Instance& instance, uint32_t grbit);
  ~ExternalBackup();  // an unfinished backup is aborted
  ExternalBackup(const ExternalBackup&) = delete;
  ExternalBackup& operator=(const ExternalBackup&) = delete;

  bool incremental() const;
  // JetGetAttachInfo: attached databases (full backup, database phase only).
  Result<std::vector<std::filesystem::path>> attachInfo();

  // JetOpenFile: an attached database (database phase of a full backup) or
  // a log named by logInfo() (log phase). Returns the handle; `size` gets the
  // stream size. Errors: InvalidBackupSequence, DatabaseNotFound,
  // MissingFileToBackup (log file gone), LogReadVerifyFailure (the log does
  // not verify: it is read and checked whole at open).
  Result<Handle> openFile(const std::filesystem::path& path, uint64_t& size);
  // JetReadFile: the next bytes of the stream; 0 at its end. For a database
  // `out.size()` must be a multiple of its page size (InvalidParameter).
  Result<size_t> readFile(Handle handle, std::span<uint8_t> out);
  // JetCloseFile. A stream counts as copied only when it was read to the end.
  Status closeFile(Handle handle);

  // JetGetLogInfo: the logs to copy, [startGeneration (full) or lowest on
  // disk (incremental), last generation finished by the forced rollover].
  Result<LogInfo> logInfo();
  // JetGetTruncateLogInfo: the logs truncateLog() would delete.
  Result<LogInfo> truncateLogInfo();
  // JetTruncateLog: LogFileNotCopied unless every log of logInfo() was read whole.
  Status truncateLog();

  // JetEndExternalBackupInstance2: exactly one of kBackupEndNormal /
  // kBackupEndAbort (else InvalidParameter), optionally kBackupTruncateDone
  // and kBackupNoDbHeaderUpdate. A normal end before the log phase is an
  // abort. NoBackup when already ended.
  Status end(uint32_t grbit);

  // What the backup did (for backup() and its manifest).
  int32_t startGeneration() const;
  LogPosition checkpointAtStart() const;
  LogPosition mark() const;  // BKINFO lgposMark written by end(): Begin (full) or PrepareLogs (incremental) record
  LogTime markTime() const;
  const Signature& logSignature() const;
  uint32_t logFileSize() const;
  const std::string& baseName() const;
  bool logsTruncated() const;
  int32_t truncatedBefore() const;
  std::vector<DatabaseStreamInfo> databaseStreams() const;
  std::vector<std::string> notes() const;  // corrected bits and the like

  struct State;

 private:
  explicit ExternalBackup(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace esekit::backup

// What the backup module (backup/) needs from a running instance. Not for
// applications: they call esekit::backup (backup/include/esekit/backup/).
//
// Consistency model (ese-format/checkpoint-and-backup.md §3, §5): a backup
// copies each database file page by page while writers go on, then the log
// generations from the checkpoint at backup start to a generation closed by
// a forced rollover at the end. Pages on disk change only when a checkpoint
// writes them; BackupSession excludes those writes while it reads a range,
// so no copied page is torn, and replaying the copied logs from the start
// generation makes every copied page current (dbtime rule).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/database_header.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine {

struct BackupDatabaseInfo {
  std::filesystem::path path;
  uint8_t dbid = 0;
  uint32_t pageSize = 0;
};

// At most one per instance (JET_errBackupInProgress for a second).
//
// Every Backup2 record the protocol needs is logged here (log-records.md
// §3.8): Begin at begin(), PrepareLogs at rollLog(), Truncate at
// truncateLogs(), Update per database at recordInHeaders(), Abort at
// abort(). None of them changes a page; recovery ignores them.
class BackupSession {
 public:
  // Starts a backup: fails with BackupInProgress while another runs,
  // TermInProgress after shutdown, LoggingDisabled without a log stream.
  // Logs Backup2 Begin; its position is mark(). While the session lives,
  // log generations at or after startGeneration() are never deleted
  // (circular logging included) and no database can be detached.
  static Result<std::unique_ptr<BackupSession>> begin(Instance& instance);
  ~BackupSession();  // ends the backup (no truncation, no header change)

  // The first generation a restore of this backup needs: the checkpoint's
  // at begin().
  int32_t startGeneration() const;
  LogPosition checkpointAtStart() const;
  // The Backup2 Begin record (the full backup's BKINFO lgposMark) and its time.
  LogPosition mark() const;
  LogTime markTime() const;
  bool circularLogging() const;
  const Signature& logSignature() const;
  const std::filesystem::path& logDirectory() const;
  const std::string& baseName() const;
  uint32_t logFileSize() const;
  std::vector<BackupDatabaseInfo> databases() const;
  // The database's header as the engine holds it now (the on-disk copy may
  // be in the middle of a rewrite).
  Result<DatabaseHeader> databaseHeader(const BackupDatabaseInfo& database) const;

  // Reads `count` pages starting at file offset `offset` (page-size aligned,
  // header pages included) of an attached database into `out` while no
  // checkpoint writes that file. Short at end of file.
  Result<size_t> readDatabase(const BackupDatabaseInfo& database, uint64_t offset, std::span<uint8_t> out);
  Result<uint64_t> databaseFileSize(const BackupDatabaseInfo& database);

  // Logs Backup2 PrepareLogs (prepareLogsMark()), then ends the current
  // generation (log-format.md §8) so the backup's last generation is
  // complete; returns the last finished generation.
  Result<int32_t> rollLog();
  LogPosition prepareLogsMark() const;
  LogTime prepareLogsTime() const;
  int32_t currentGeneration() const;
  // The instance's checkpoint generation now.
  int32_t checkpointGeneration() const;

  // After a successful backup: deletes generations < `before`, clamped to
  // the checkpoint's generation (never one a recovery would still need; a
  // running transaction has no log records before its commit, so the
  // checkpoint is the only bound). Logs Backup2 Truncate [lowest, limit).
  // Returns the limit actually used.
  Result<int32_t> truncateLogs(int32_t before);
  // Records the backup in the headers of the databases `dbids` (all attached
  // ones when empty) following database-header.md §7: the slot is
  // overwritten only when its lgposMark is not newer than info.mark; a Full
  // update clears the Incremental/Differential slots and bkinfoSnapshotCur.
  // Logs a Backup2 Update record per database.
  enum class Slot { Full, Incremental, Copy, Differential };
  Status recordInHeaders(Slot slot, const BackupInfo& info, const std::vector<uint8_t>& dbids = {});
  // Logs Backup2 Abort (best effort; nothing else changes).
  void abort();

  // Page-level differential (doc/pages-differential.md): the pages of the
  // database written to its file since its last full backup began, as
  // tracked by the engine (ascending page numbers, pgno >= 1), and that full
  // backup's BKINFO. MissingFullBackup when the header records no full
  // backup; InvalidBackupSequence when the tracking file is missing, damaged
  // or belongs to another full backup (the message names both stamps).
  struct ChangedPages {
    std::vector<uint32_t> pages;
    BackupInfo fullBackup;
  };
  Result<ChangedPages> changedPages(const BackupDatabaseInfo& database) const;

 private:
  struct State;
  explicit BackupSession(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The roaring portable serialization of a set of page numbers (the bitmap
// of a `.pages` file, doc/pages-differential.md), and back: a damaged
// bitmap, or one with a value >= pageLimit, is InvalidParameter.
std::vector<uint8_t> encodePageSet(std::span<const uint32_t> pages);
Result<std::vector<uint32_t>> decodePageSet(Bytes bytes, uint64_t pageLimit);

}  // namespace esekit::engine

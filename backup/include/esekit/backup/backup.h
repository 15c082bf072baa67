// Online backup of a running esekit instance into a directory: the
// equivalent of ESE's JetBackupInstance (ese-format/checkpoint-and-backup.md
// §2-§4), with the VSS backup types as options, atomic directory
// replacement, a verified manifest and optional zstd compression. Built on
// the external backup API (external_backup.h).
//
// What a backup directory holds (doc/backup-manifest.md):
//   <database file name>[.zst]   Full/Copy: the streamed database image
//                                (header with bkinfoFullCur, every page
//                                checksum-verified, trailer page last)
//   <base>XXXXX.log[.zst]        the log generations of the backup stamp
//   esekit-backup.json           the manifest, written last
//
// Guarantees:
//  - Writers keep going during the backup; restoring the databases with
//    the backup's logs (hard recovery) yields the state of the last
//    transaction committed before the backup's log rollover.
//  - Success only after every file and the directory are fsynced. Only
//    then are the instance's logs truncated (types that truncate; never a
//    log the checkpoint still needs) and the backup recorded in the
//    database headers (database-header.md §7). After any failure neither
//    happens and the destination is as it was.
//  - atomic: at every moment `destination` holds either the previous
//    complete backup or the new complete one (see BackupOptions::atomic).
//
// Thread safety: backup() may be called from any thread while other threads
// use the instance; one backup per instance at a time (BackupInProgress).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "esekit/backup/external_backup.h"
#include "esekit/backup/manifest.h"
#include "esekit/backup/stored_file.h"
#include "esekit/engine/instance.h"
#include "esekit/format/status.h"

namespace esekit::backup {

enum class BackupPhase : uint8_t {
  Begin,      // the backup started; bytesTotal is an estimate
  Databases,  // copying database pages (currentFile = database path)
  Logs,       // copying log generations (currentFile = log path)
  Commit,     // manifest written, files and directory synced, renames
  Truncate,   // truncating the instance's logs
  Complete,   // done (bytesDone == bytesTotal)
  Fail,       // failed; nothing was changed
};
std::string_view backupPhaseName(BackupPhase phase);

struct BackupProgress {
  BackupPhase phase = BackupPhase::Begin;
  uint64_t bytesDone = 0;   // source bytes read and verified so far
  uint64_t bytesTotal = 0;  // database stream sizes + log sizes (grows when the log phase starts)
  std::string currentFile;
};
// Called from the thread running backup(); must not call into the backup.
using ProgressCallback = std::function<void(const BackupProgress&)>;

struct BackupOptions {
  // What to copy, whether to truncate and which header slot to update
  // (manifest.h BackupType; checkpoint-and-backup.md §2):
  //   Full: databases + logs [checkpoint generation at start, last generation
  //         closed by the forced rollover]; truncates; slot Full.
  //   Copy: the same; never truncates; slot Copy only.
  //   Incremental / LogOnly: logs from the oldest on disk (everything since
  //         the last full or incremental backup truncated them); truncates;
  //         slot Incremental. Needs a previous full backup (MissingFullBackup)
  //         and no circular logging (InvalidBackup).
  //   Differential: the same logs; never truncates; slot Differential.
  //   Pages: the pages written since the last full backup (one `<db>.pages`
  //         file per database, doc/pages-differential.md) + the logs of a
  //         Full; never truncates; slot Differential; no previousBackup.
  BackupType type = BackupType::Full;

  // Atomic replacement (JET_bitBackupAtomic semantics, esekit's scheme): the
  // backup is written into a sibling staging directory
  // `<destination>.new-<16 hex digits>`, every file fsynced, the manifest
  // written last, the directory fsynced; then it is swapped with
  // `destination` in one renameat2(RENAME_EXCHANGE) (or renamed onto it when
  // there is none) and the parent directory fsynced; the previous backup,
  // now in the staging path, is deleted. A destination that exists must be
  // empty or hold an esekit backup (JET_errBackupDirectoryNotEmpty
  // otherwise). Stale `<destination>.new-*` / `.old-*` directories left by a
  // killed backup are removed by the next one.
  // Non-atomic: files are written straight into `destination`, which must be
  // empty (JET_errBackupDirectoryNotEmpty); on failure the files written are
  // removed.
  bool atomic = true;

  // Create a missing destination (and its parents); otherwise a missing
  // destination is JET_errInvalidPath (JET_paramCreatePathIfNotExist).
  bool createPaths = false;

  // Compression of every stored file: None, or Zstd with `compressionLevel`
  // (1..19; negative = zstd's fast levels). Compressed files are stored as
  // "<name>.zst", one zstd frame each with its content checksum; the
  // manifest records the hashes of both the stored and the original bytes.
  Compression compression = Compression::None;
  int compressionLevel = 3;

  // zstd worker threads per file (ZSTD_c_nbWorkers); 0 = all cores
  // (std::thread::hardware_concurrency()). Ignored without compression.
  unsigned threads = 0;

  // Bytes read from a database per verification/write step (multiple of the
  // page size; rounded down, at least one page). Each step holds off the
  // instance's checkpoint writes to that database for its duration.
  size_t readChunkBytes = size_t{1} << 20;

  // Incremental / Differential / LogOnly: the backup this one builds on,
  // recorded as `previous` in the manifest: a backup directory or its
  // manifest file. Its log signature must be the instance's, and its log
  // range must reach the first generation copied now (else
  // JET_errMissingFileToBackup: logs in between were lost). Empty: taken
  // from the database headers' BKINFO (bkinfoIncPrev / bkinfoFullPrev).
  // Given for Full/Copy: JET_errInvalidGrbit.
  std::filesystem::path previousBackup;

  // Called at each phase change and after every chunk; see BackupProgress.
  ProgressCallback progress;

  // Testing: fault injection at every write, fsync, rename and mkdir of the
  // backup path (stored_file.h FaultHook).
  FaultHook faultHook;
};

struct BackupResult {
  // The manifest as written (empty files/databases for a truncate-only call).
  Manifest manifest;
  std::filesystem::path directory;  // the destination
  uint64_t bytesRead = 0;           // source bytes copied
  uint64_t bytesStored = 0;         // bytes of the stored files
  uint32_t filesWritten = 0;        // excluding the manifest
  bool logsTruncated = false;
  int32_t truncatedBefore = 0;      // generations below this were deleted
  double seconds = 0;
  std::vector<std::string> notes;   // corrected single-bit errors, removed stale staging dirs, ...
};

// Backs up `instance` into `destination` (see BackupOptions). An empty
// `destination` copies nothing and only truncates the logs older than the
// checkpoint, as JetBackupInstance with a NULL path (nothing under circular
// logging); it then takes type Full or LogOnly, no compression and no
// previousBackup (JET_errInvalidGrbit otherwise).
// Errors: BackupInProgress, InvalidBackup, MissingFullBackup,
// MissingFileToBackup, InvalidPath, BackupDirectoryNotEmpty, InvalidGrbit,
// InvalidParameter (option out of range), ReadVerifyFailure (a database page
// is damaged: file and page named), LogReadVerifyFailure (a log is damaged:
// file and sector named), DiskFull / DiskIO (writing the backup),
// TermInProgress.
Result<BackupResult> backup(engine::Instance& instance, const std::filesystem::path& destination,
                            const BackupOptions& options);

// Parses "none", "zstd" or "zstd:N" (the CLI's --compress).
Status parseCompressionSpec(std::string_view text, Compression& compression, int& level);

}  // namespace esekit::backup

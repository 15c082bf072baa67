// Restore of backup sets into a new target directory, mirroring
// JetRestoreInstance (ese-format/checkpoint-and-backup.md §6) with esekit's
// additions: chains of sets, a relocated target, point in time (issue 5).
//
// restore(sets, target, options):
//  1. validates the sets (validate.h) and refuses bad input before anything
//     is written: a missing middle log, a log of another stream, a corrupted
//     segment, a truncated database copy, a manifest mismatch, a chain gap —
//     each with its JET error naming the file and generation;
//  2. copies (and decompresses) the databases — without the backup trailer
//     page — and the log generations [required minimum, end] into a staging
//     directory `target/.esekit-restore-staging-XXXXXX/`; the newest
//     generation becomes `<base>.log`, so that the stream continues from it;
//  3. runs recovery there (engine/recovery.h: redo with the dbtime rule, then
//     undo of transactions without a commit, logged, a RecoveryQuit2 record
//     and a checkpoint), with every logged database path relocated to the
//     staged file of the same name (VSS "new target"); the original
//     locations are never touched;
//     the restored headers (both copies) then forget the source's backup
//     history: the previous-backup slots are zeroed as ESE does after a hard
//     recovery (checkpoint-and-backup.md §6 step 5), so the next incremental
//     of the restored instance needs a new full backup first; a pages set
//     (doc/pages-differential.md) is laid over the full's copy before replay;
//  4. renames the staged databases, logs and checkpoint into the target and
//     removes the staging directory. The target then holds clean databases
//     and a log stream that Instance::open (same base name, the log file size
//     in the report) opens without further recovery; attach the databases
//     with Instance::attachDatabase.
// Any failure removes the staging directory (and the target when restore
// created it): no usable-looking database is left behind. The sets are only
// read (O_RDONLY, read-only mappings): their bytes and timestamps stay as
// they were.
//
// Point in time:
//  - untilGeneration G: only generations up to G are restored and replayed;
//    the result holds exactly the transactions whose commit record is in a
//    generation <= G (others are undone). G must be at least what the
//    database copies need (JET_errEndingRestoreLogTooLow otherwise).
//  - untilTime T (seconds since 1970, UTC): the last generation whose end is
//    known to be at or before T — generation g ends when g+1 is created
//    (LGFILEHDR tmCreate of g+1), the last generation of a set when its
//    manifest says the backup completed — is restored as with
//    untilGeneration. Guarantee: every transaction in the result committed
//    at or before T (at one-second resolution, as the log times are
//    compared); transactions committed after the last such generation end
//    but before T are not included (commit records carry no time; finer
//    stops would need segment-level replay). Log times are compared as
//    recorded: UTC for esekit's logs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"
#include "esekit/restore/validate.h"

namespace esekit::restore {

struct RestoreProgress {
  enum class Phase : uint8_t { Validate, Copy, Replay };
  Phase phase = Phase::Validate;
  uint64_t done = 0;   // bytes validated / bytes copied / generations replayed
  uint64_t total = 0;
  double percent = 0;  // of the whole restore (validation, copy and replay weighted by bytes)
};
std::string_view restorePhaseName(RestoreProgress::Phase phase);  // "validate", "copy", "replay"

struct RestoreOptions {
  std::optional<int32_t> untilGeneration;
  std::optional<int64_t> untilTime;  // seconds since 1970 (UTC)
  unsigned threads = 0;              // page verification threads (0: all cores)
  uint64_t cacheSize = uint64_t{256} << 20;  // recovery page cache
  // Called from the calling thread; must return quickly.
  std::function<void(const RestoreProgress&)> progress;
};

struct RestoredDatabase {
  std::filesystem::path path;  // in the target
  std::string originalPath;    // where it was when backed up (manifest), empty when unknown
  uint64_t bytes = 0;
};

struct RestoreReport {
  std::filesystem::path target;
  std::vector<RestoredDatabase> databases;
  std::string baseName = "edb";
  uint32_t logFileSize = 0;  // of the restored stream (InstanceOptions::logFileSize)
  uint32_t pageSize = 0;     // of the databases (InstanceOptions::pageSize)
  int32_t firstGeneration = 0;  // generations copied and replayed
  int32_t lastGeneration = 0;
  bool pointInTime = false;     // stopped before the end of the chain
  uint64_t bytesCopied = 0;
  engine::RecoveryReport recovery;
  ValidationReport validation;
  double seconds = 0;
};

Result<RestoreReport> restore(std::span<const std::filesystem::path> sets, const std::filesystem::path& target,
                              const RestoreOptions& options = {});

FieldList describe(const RestoreReport& report);

}  // namespace esekit::restore

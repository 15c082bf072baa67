// The engine side of an OS snapshot (VSS requester role, issue 4 item 9):
// a write freeze, the equivalent of JetOSSnapshotFreeze / JetOSSnapshotThaw
// (ese-format/checkpoint-and-backup.md §2 "OS snapshot" row, §10 errors).
// Not for applications: they use esekit::backup::SnapshotSource
// (backup/include/esekit/backup/snapshot.h), which pairs the freeze with a
// BackupSession (backup_support.h) for the log range and the truncation.
//
// While frozen no byte reaches a database or log file of the instance, so a
// copy of the files taken during the freeze is the crash-consistent image of
// one moment: every commit acknowledged before the freeze is in the copied
// logs, nothing after it is. The write paths and where they wait
// (engine/src/instance/freeze_gate.h, all under the commit mutex):
//   - commits (InstanceImpl::runCommit): a commit started during the freeze
//     returns only after the thaw (lazy ones included: they append to the
//     log buffer under the same mutex);
//   - checkpoints (the checkpoint thread and Instance::checkpoint): database
//     page and header writes, checkpoint file;
//   - createDatabase / attachDatabase / detachDatabase and shutdown.
// Log flushes of commits acknowledged before the freeze find the log already
// durable (freezeWrites() flushed it) and write nothing. BackupSession calls
// (rollLog, truncateLogs, recordInHeaders) are not gated: the snapshot shim
// holds the instance's only BackupSession and calls them after the thaw.
//
// Timeout: the freeze lasts at most `timeout`. A writer that reaches the
// deadline thaws the instance itself, as ESE does; thawWrites() then returns
// JET_errOSSnapshotTimeOut (-2402) and the snapshot must be discarded (writes
// may have reached the files while they were being copied).
//
// Thread safety: any thread; freeze and thaw may come from different threads.
#pragma once

#include <chrono>
#include <cstdint>

#include "esekit/engine/instance.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine {

// Where the log stood when the freeze began.
struct FreezePoint {
  LogPosition logEnd;          // next record position; everything before it is durable
  LogPosition checkpoint;      // the instance's checkpoint (redo start of a recovery)
  int32_t currentGeneration = 0;  // generation of <base>.log at the freeze
  std::chrono::milliseconds timeout{0};
};

// Flushes the log durably, then stops all write I/O to the instance's
// database and log files until thawWrites() or `timeout` (1 ms .. 1 hour).
// Errors: OSSnapshotInvalidSequence (already frozen), TermInProgress (shut
// down), InvalidParameter (timeout out of range), the log flush's errors
// (then nothing is frozen).
Result<FreezePoint> freezeWrites(Instance& instance, std::chrono::milliseconds timeout);

// Lets writes go on. Errors: OSSnapshotTimeOut (the freeze outlived its
// timeout and was thawed by the engine: the snapshot is not consistent),
// OSSnapshotInvalidSequence (not frozen).
Status thawWrites(Instance& instance);

// Frozen now (and the deadline not yet passed).
bool writesFrozen(Instance& instance);

}  // namespace esekit::engine

// Crash recovery at Instance::open (esentutl /r semantics,
// ese-format/log-records.md §4-§5, checkpoint-and-backup.md §1):
//  1. find where to start: the checkpoint, or without one the lowest log
//     generation present (and the attach list of its header);
//  2. check the whole log chain before touching anything (names, one
//     signature, contiguous generations, sequence chain);
//  3. redo: every page record goes to its database's DatabaseStore::redo
//     (the dbtime rule decides; the same page functions as at run time),
//     collecting per session the before-images of changes since its Begin0;
//  4. undo: sessions without a commit are rolled back in reverse order by
//     logged compensation (between RecoveryUndo2 and a Rollback record);
//  5. flush, mark every database clean at the RecoveryQuit2 record, write
//     the checkpoint. The databases are left detached, as ESE leaves them.
#pragma once

#include <memory>

#include "esekit/engine/recovery.h"
#include "esekit/format/log_header.h"
#include "instance/engine_log.h"

namespace esekit::engine {

namespace log {
struct LogWriterOptions;
}

// What differs between recovery at Instance::open and standalone recover().
struct RecoveryEnvironment {
  uint32_t pageSize = 0;  // databases must have it; 0: each database's own
  // Options to continue writing the stream whose current file has `header`.
  std::function<log::LogWriterOptions(const LogFileHeader& header)> writerOptions;
};

struct RecoveryOutcome {
  RecoveryReport report;
  std::unique_ptr<EngineLog> log;  // the continued stream (continueLog); nullptr when there was no stream
};

Result<RecoveryOutcome> runRecovery(const RecoveryOptions& options, const RecoveryEnvironment& environment);

}  // namespace esekit::engine

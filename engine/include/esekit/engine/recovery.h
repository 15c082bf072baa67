// Soft recovery of a log stream and its databases without opening an
// instance (esentutl /r): the same redo/undo the instance runs at open, for
// tools, restore and forensic use. See instance.h for RecoveryReport.
//
// Contract:
//  - Before anything is written, the whole log chain is checked (file names,
//    one log signature, contiguous generations, sequence chain); a problem is
//    reported (JET_errMissingLogFile, JET_errBadLogSignature,
//    JET_errInvalidLogSequence, JET_errLogFileCorrupt, naming the file and
//    generation) and nothing changes.
//  - Databases are found through `locate` (the log names them by the path
//    they had when they were attached, e.g. a Windows path); the files it
//    returns are modified in place. A database the log names that `locate`
//    maps to a missing file is skipped with a note, as ESE skips a missing
//    database it is not asked to recover.
//  - With continueLog (the default) the outcome is ESE's: compensation for
//    undone transactions and a RecoveryQuit2 record are appended to the log
//    stream, the checkpoint is written, databases end clean at that record.
//    Without it the log directory is only read (point-in-time restores stop
//    early and must not extend the stream): databases end clean at the last
//    replayed position and the undo is applied without being logged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/status.h"

namespace esekit::engine {

struct RecoveryOptions {
  std::filesystem::path logDirectory;
  std::filesystem::path systemDirectory;  // where <base>.chk is; empty: the log directory
  std::string baseName = "edb";
  // Logged database path -> file to recover. Default: the logged path itself.
  std::function<std::filesystem::path(const std::string& loggedPath)> locate;
  bool continueLog = true;
  // Replay every generation present, ignoring the checkpoint (checks that
  // the databases already hold everything: on a clean database no page
  // needs redo).
  bool replayFromFirstLog = false;
  // Stop after the last record of this generation (point in time).
  std::optional<int32_t> stopAfterGeneration;
  // Page cache for recovery, bytes.
  uint64_t cacheSize = 256u * 1024 * 1024;
  // Called with (records read so far, generation being read).
  std::function<void(uint64_t records, int32_t generation)> progress;
};

Result<RecoveryReport> recover(const RecoveryOptions& options);

}  // namespace esekit::engine

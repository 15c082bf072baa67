// `esekit recover DIR --target OUT [--log-dir D] [--system-dir D] [--base NAME]`:
// soft recovery (esentutl /r) of a log set Windows wrote, into a copy, for
// forensic use: the evidence in DIR is only read, never changed.
//
//  1. Discovery: databases are the files of DIR whose header is an ESE
//     database; logs are `<base>.log|.jtx` and `<base>XXXXX.log|.jtx` (5 or
//     8 hex digits) of the log directory with any three-character base name
//     (edb, SRU, V01, ...), inferred when only one is present; the
//     checkpoint is `<base>.chk` (or `.jcp`) of the system directory.
//  2. Checks before anything is written: every log carries the database's
//     log signature (JET_errBadLogSignature naming the generation), and the
//     generations form one contiguous stream covering the database's
//     required range (JET_errMissingLogFile naming the generation).
//  3. A JetBackup copy (ese-format/checkpoint-and-backup.md §5) keeps its
//     streamed trailer page at the end of the database file and may have a
//     `.pat` patch file beside it: both are checked against the database
//     (signatures), patch pages are applied, and the trailer is cut from the
//     copy.
//  4. Database(s), logs and checkpoint are copied into OUT (created; it must
//     not hold any of those files), recovery runs there without extending
//     the logs (RecoveryOptions::continueLog = false), and the databases end
//     clean at the end of the replayed log. On any error everything written
//     into OUT is removed again.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "esekit/engine/instance.h"
#include "esekit/format/status.h"

namespace esekit::tools {

struct WindowsRecoveryOptions {
  std::filesystem::path directory;        // DIR: the database(s)
  std::filesystem::path logDirectory;     // empty: DIR
  std::filesystem::path systemDirectory;  // empty: the log directory
  std::string baseName;                   // empty: inferred from the log names
  std::filesystem::path target;           // OUT
};

struct WindowsRecoveryResult {
  std::string baseName;
  std::vector<std::filesystem::path> databases;  // the recovered copies in OUT
  std::vector<int32_t> generations;              // log generations copied
  std::optional<std::filesystem::path> checkpoint;  // the source checkpoint used
  engine::RecoveryReport report;
  std::vector<std::string> notes;  // discovery, patch file, trailer, ...
};

Result<WindowsRecoveryResult> recoverWindowsSet(const WindowsRecoveryOptions& options);

// The command: prints the result (text, or one JSON object), returns the
// exit status (0 recovered, 2 failed, 64 usage error).
int runRecoverWindows(const WindowsRecoveryOptions& options, bool json, std::ostream& out, std::ostream& err);

}  // namespace esekit::tools

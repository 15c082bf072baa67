// Validation of backup sets, read-only: the equivalent of Exchange's
// CHKSGFILES (issue 5 §5). Given one backup directory, or a chain (a full
// backup followed by incrementals or a differential, oldest first), it
// checks everything restore will rely on and lists every problem with the
// ESE error a restore would fail with:
//
//   - every database page checksum (JET_errReadVerifyFailure, -1018, naming
//     the page and file offset); a truncated database copy;
//   - database headers: state (JET_errDatabaseInconsistent for states
//     recovery cannot start from), the log range a dirty copy requires
//     (header lGenMinRequired..lGenMaxRequired, bkinfoFullCur, and the
//     backup trailer page, ese-format/checkpoint-and-backup.md §5-§6) is
//     present (JET_errMissingLogFile naming the missing generations);
//   - log generations contiguous from the required minimum to the end
//     (JET_errMissingLogFile), chained (JET_errInvalidLogSequence,
//     JET_errLogSequenceChecksumMismatch, log-format.md §8), every log with
//     the database's log signature (JET_errBadLogSignature naming the file),
//     every segment checksum (JET_errLogFileCorrupt naming file and sector);
//   - the manifest (esekit-backup.json, backup/manifest.h): every listed
//     file present (JET_errFileNotFound / JET_errMissingLogFile) with its
//     size and XXH3-128 hash (JET_errReadVerifyFailure for databases,
//     JET_errLogReadVerifyFailure for logs), compressed files also after
//     decompression; files it does not list (JET_errInvalidBackup);
//   - chain continuity across sets: each set starts at most one generation
//     after the previous one ends (a gap is JET_errMissingLogFile naming the
//     missing range), sets in order (JET_errInvalidLogSequence), one log
//     stream (JET_errBadLogSignature).
//
// A directory without a manifest (a Windows JetBackup directory with .pat
// files, or a copied instance directory) is checked as far as its files
// allow: kinds come from the content (file type at offset 667), recycled
// edbtmp.log files and zero-filled reserve logs are not part of the stream.
//
// Read-only: every file is opened O_RDONLY and mapped read-only, nothing is
// created in a set; bytes and timestamps of the sets stay as they were.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "esekit/format/database_header.h"
#include "esekit/format/fields.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::restore {

struct ValidationProblem {
  JetError error = JetError::Success;
  std::filesystem::path file;         // the file concerned (or the set directory)
  std::optional<int32_t> generation;  // log generation, or first generation of a missing range
  std::optional<uint64_t> page;       // database page number
  std::optional<uint64_t> offset;     // byte offset in the file
  std::string message;                // says what is wrong and where

  // "JET_errMissingLogFile (-528): <file>: <message>"
  Status status() const;
};

struct ValidatedDatabase {
  std::filesystem::path file;    // in the set (stored name, maybe ".zst")
  std::string name;              // file name once restored (without ".zst")
  std::string originalPath;      // path when backed up (manifest), empty when unknown
  bool compressed = false;
  uint32_t pageSize = 0;
  DatabaseState state = DatabaseState::Unset;
  Signature databaseSignature;
  Signature logSignature;
  // Logs a restore needs, 0 when none (clean database).
  int32_t requiredLow = 0;
  int32_t requiredHigh = 0;
  bool trailerPage = false;        // the copy ends with a backup trailer (PATCHHDR) page
  uint64_t restoredSize = 0;       // bytes of the database file once restored (trailer dropped)
  uint64_t pages = 0;              // database pages verified
};

struct ValidatedLog {
  int32_t generation = 0;
  std::filesystem::path file;
  bool compressed = false;
  bool current = false;          // `<base>.log` of an instance directory
  LogTime created;               // tmCreate (LGFILEHDR)
  LogTime lastSegmentStart;      // logtimeSegmentStart of its last data segment (log-format.md §5.1)
  uint32_t fileSize = 0;         // bytes once restored
  size_t set = 0;                // index of the set it comes from
};

struct ValidatedSet {
  std::filesystem::path directory;
  // "esekit full backup" (from the manifest type), "JetBackup directory"
  // (.pat files, no manifest), "log directory" (no manifest, no .pat).
  std::string kind;
  bool hasManifest = false;
  std::string backupType;         // manifest type name ("full", "incremental", ...), empty without
  int32_t firstGeneration = 0;    // of its logs (manifest stamp when present)
  int32_t lastGeneration = 0;
  int64_t completedUnixTime = 0;  // manifest stamp.unixTime (0 when unknown)
  std::string baseName = "edb";
  std::vector<ValidatedDatabase> databases;
  std::vector<ValidatedLog> logs;    // ascending generation, only logs of the stream
  std::vector<std::string> notes;    // files that are not part of the stream (recycled logs, spares, ...)
  uint64_t bytesRead = 0;
};

struct ValidateOptions {
  unsigned threads = 0;  // page verification threads, 0 = all cores
  // (bytes checked so far, total bytes), from the calling thread.
  std::function<void(uint64_t done, uint64_t total)> progress;
  size_t maxPageProblems = 100;  // listed per database (all are counted in the message)
};

struct ValidationReport {
  std::vector<ValidatedSet> sets;
  std::vector<ValidationProblem> problems;
  Signature logSignature;          // of the stream the chain belongs to
  std::string baseName = "edb";
  // The chain of logs a restore replays: contiguous, [firstGeneration, lastGeneration].
  int32_t firstGeneration = 0;
  int32_t lastGeneration = 0;
  // What the databases need (0 when no database needs logs).
  int32_t requiredLow = 0;
  int32_t requiredHigh = 0;
  uint64_t bytesChecked = 0;
  double seconds = 0;

  bool valid() const { return problems.empty(); }
  // Ok when valid; otherwise the first problem (and how many more there are).
  Status status() const;
};

// Validates the sets in the order given (oldest first). Errors only for
// unusable arguments (no set, a path that is not a directory:
// JET_errInvalidPath); everything wrong inside the sets is in the report.
Result<ValidationReport> validateBackupSets(std::span<const std::filesystem::path> sets,
                                            const ValidateOptions& options = {});

// "verdict", "sets.<i>.*", "chain.*", "problems.<i>.*" for text and JSON output.
FieldList describe(const ValidationReport& report);

}  // namespace esekit::restore

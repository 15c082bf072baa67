// Internals of validateBackupSets (validate.h): the per-file inspection of
// one set (validate_set.cpp) and the checks across files and sets
// (validate_chain.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "esekit/backup/manifest.h"
#include "esekit/format/checkpoint.h"
#include "esekit/format/log_file.h"
#include "esekit/restore/validate.h"

namespace esekit::restore::detail {

// One log of the stream with what the chain checks need.
struct LogEntry {
  ValidatedLog log;
  LogFileHeader header;
  std::optional<LogFileScan> scan;  // empty when the scan failed (a problem was reported)
};

struct DatabaseEntry {
  ValidatedDatabase database;
  size_t set = 0;
  // A streamed copy (bkinfoFullCur.genLow set, genHigh not) needs its
  // trailer page or a .pat file to know its end (checkpoint-and-backup.md §6).
  bool needsTrailer = false;
};

struct SetState {
  ValidatedSet set;
  std::optional<backup::Manifest> manifest;
  std::vector<LogEntry> logs;
  std::vector<DatabaseEntry> databases;
  std::vector<std::pair<std::filesystem::path, Checkpoint>> checkpoints;
  std::vector<std::string> patchFiles;  // names of .pat files
};

struct Inspection {
  ValidationReport& report;
  const ValidateOptions& options;
  uint64_t totalBytes = 0;
  uint64_t doneBytes = 0;

  void problem(JetError error, const std::filesystem::path& file, std::string message,
               std::optional<int32_t> generation = {}, std::optional<uint64_t> page = {},
               std::optional<uint64_t> offset = {}) {
    ValidationProblem p;
    p.error = error;
    p.file = file;
    p.generation = generation;
    p.page = page;
    p.offset = offset;
    p.message = std::move(message);
    report.problems.push_back(std::move(p));
  }
  void advance(uint64_t bytes) {
    doneBytes += bytes;
    if (options.progress) options.progress(doneBytes, totalBytes);
  }
};

// The directory a set's files are in (`dir`, or `dir/new` for an atomic
// JetBackup directory holding only new/ and old/).
std::filesystem::path setDirectory(const std::filesystem::path& dir);
uint64_t setBytes(const std::filesystem::path& dir);

// Reads every file of one set read-only and checks what a file allows on its own.
SetState inspectSet(const std::filesystem::path& dir, size_t index, Inspection& inspection);

// Checks across files and sets: signatures, contiguity, sequence, chain.
void checkChain(std::vector<SetState>& sets, Inspection& inspection);

// "edb00005.log" (5 hex digits up to 0xFFFFF, else 8, log-format.md §1).
std::string archivedLogName(const std::string& baseName, int32_t generation, const std::string& extension = "log");

}  // namespace esekit::restore::detail

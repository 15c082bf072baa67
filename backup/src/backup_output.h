// What every kind of backup run (backup.cpp, page_differential.cpp,
// snapshot_backup.cpp) does the same way with the files it writes: names
// (".zst" when compressed), the compressing writer, the manifest entry of a
// finished file, and the manifest itself, written last.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "backup_directory.h"
#include "esekit/backup/backup.h"
#include "esekit/backup/manifest.h"
#include "esekit/backup/stored_file.h"

namespace esekit::backup {

// The file name in the backup: `name`, plus ".zst" when compressed.
std::string storedFileName(const std::string& name, const BackupOptions& options);

// Creates `storedFileName(name)` in the directory being written, compressing
// with the options' codec on all cores (or BackupOptions::threads), and
// tracks it so that a failed backup removes it.
Result<std::unique_ptr<StoredFileWriter>> createBackupFile(BackupDirectory& directory, const std::string& name,
                                                           const BackupOptions& options);

// The manifest entry of a finished file (both hashes when compressed);
// counts the file into `result`.
ManifestFile finishedFileEntry(const StoredFileWriter& writer, FileKind kind, int32_t generation,
                               const BackupOptions& options, BackupResult& result);

// Writes the manifest (uncompressed, tracked): the last file of a backup.
Status writeManifestFile(BackupDirectory& directory, const Manifest& manifest, const BackupOptions& options);

// Runs one backup job (a class with run(destination) and fail()); on success
// fills the result's directory, manifest and duration.
template <class Job>
Result<BackupResult> runBackupJob(Job& job, Manifest& manifest, BackupResult& result,
                                  const std::filesystem::path& destination,
                                  std::chrono::steady_clock::time_point started) {
  Status status = job.run(destination);
  if (!status.isOk()) {
    job.fail();
    return status;
  }
  std::error_code error;
  result.directory = std::filesystem::absolute(destination, error);
  result.manifest = std::move(manifest);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::move(result);
}

}  // namespace esekit::backup

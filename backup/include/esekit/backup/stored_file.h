// Files as a backup stores them: written once, hashed (XXH3-128) as they are
// written, optionally zstd-compressed (streaming, multi-threaded, one zstd
// frame per file, stored as "<name>.zst"), fsynced before they count.
// Restore reads them back with extractStoredFile(), which checks both
// hashes of the manifest entry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "esekit/backup/manifest.h"
#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::backup {

struct FileDigest {
  uint64_t size = 0;
  Hash128 hash;
};

// Size and XXH3-128 of a whole file (streamed).
Result<FileDigest> hashFile(const std::filesystem::path& path);

// Test hook for fault injection: called before each write, fsync and rename
// of a backup file or directory, with the operation ("write", "fsync",
// "rename", "mkdir") and the path; a non-ok Status makes that operation fail
// with it (as if the OS had returned e.g. ENOSPC or EIO).
using FaultHook = std::function<Status(std::string_view operation, const std::filesystem::path& path)>;

// Writes one stored file: write() the original bytes in order, then finish().
// Without finish() (error, destruction) the partial file is removed.
class StoredFileWriter {
 public:
  // Creates `path` (must not exist). With compression Zstd, `level` is the
  // zstd level (1..19, or negative fast levels) and `threads` the number of
  // zstd worker threads (0: compress in the calling thread).
  static Result<std::unique_ptr<StoredFileWriter>> create(const std::filesystem::path& path, Compression compression,
                                                          int level, unsigned threads, FaultHook hook = {});
  ~StoredFileWriter();
  StoredFileWriter(const StoredFileWriter&) = delete;
  StoredFileWriter& operator=(const StoredFileWriter&) = delete;

  Status write(Bytes data);
  // Ends the zstd frame, fsyncs and closes the file; the digests are then final.
  Status finish();

  const std::filesystem::path& path() const;
  FileDigest stored() const;    // of the bytes in the file
  FileDigest original() const;  // of the bytes given to write()

  struct State;

 private:
  explicit StoredFileWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Copies or decompresses `entry` (a file of the backup in `backupDirectory`)
// to `destination` (created or truncated), verifying the stored size and
// hash and, for compressed files, the original size and hash. Errors:
// FileNotFound, ReadVerifyFailure / LogReadVerifyFailure (hash or size
// differs, or the zstd data is damaged), DiskIO. The destination is fsynced.
Status extractStoredFile(const std::filesystem::path& backupDirectory, const ManifestFile& entry,
                         const std::filesystem::path& destination);

// fsync of a directory (so that created/renamed entries are durable).
Status syncDirectory(const std::filesystem::path& directory);

}  // namespace esekit::backup

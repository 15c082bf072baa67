// Read-only access to the files of a backup set. Restore and validate must
// never change a backup (issue 5 §6): files are opened O_RDONLY (with
// O_NOATIME when the kernel allows it) and mapped PROT_READ/MAP_PRIVATE;
// nothing is ever created inside a set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "esekit/backup/manifest.h"
#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::restore {

class SourceFile {
 public:
  // FileNotFound, FileAccessDenied or DiskIO naming the path.
  static Result<SourceFile> open(const std::filesystem::path& path);

  SourceFile() = default;
  SourceFile(SourceFile&& other) noexcept;
  SourceFile& operator=(SourceFile&& other) noexcept;
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;
  ~SourceFile();

  Bytes bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release();
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// XXH3-128 in the manifest's canonical form (manifest.h Hash128).
backup::Hash128 hash128(Bytes data);

// Decompresses a whole zstd stream into memory. `expectedSize` (the
// manifest's uncompressedSize) bounds the output; a larger or damaged
// stream is `error` naming `name`.
Result<std::vector<uint8_t>> decompressAll(Bytes compressed, std::optional<uint64_t> expectedSize, JetError error,
                                           const std::string& name);

// Writes `data` (decompressing a zstd stream first when `compressed`) to a
// new file `destination`, fsynced. `progress` gets the source bytes consumed
// so far. `limit` (when set) keeps only the first `limit` output bytes (to
// drop a backup trailer page).
Status writeCopy(Bytes data, bool compressed, const std::filesystem::path& destination, std::optional<uint64_t> limit,
                 const std::function<void(uint64_t sourceBytesDone)>& progress);

// fsync of a directory.
Status syncDirectory(const std::filesystem::path& directory);

}  // namespace esekit::restore

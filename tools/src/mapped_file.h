// Read-only access to a whole input file as one byte span: mmap(MAP_PRIVATE,
// PROT_READ) for regular files (the input is never written), a plain read
// for pipes and devices. Open errors become JetError values naming the path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::tools {

// How the caller will read the mapping.
enum class MapMode : uint8_t {
  WholeFile,  // every byte, front to back (verify): pre-fault the mapping when it fits in memory
  OnDemand,   // a few parts (dump): fault pages in as they are touched
};

class MappedFile {
 public:
  // Maps `path`. Errors: JET_errFileNotFound (-1811), JET_errFileAccessDenied
  // (-1032), JET_errDiskIO (-1022) otherwise (with the errno text),
  // JET_errInvalidPath (-1023) for a directory. A zero-length file maps to an
  // empty span.
  static Result<MappedFile> open(const std::filesystem::path& path, MapMode mode = MapMode::OnDemand);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  Bytes bytes() const { return {data_, size_}; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // Device and inode of the opened file, to refuse writing over it.
  uint64_t device() const { return device_; }
  uint64_t inode() const { return inode_; }

 private:
  void release();

  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;              // data_ came from mmap
  std::vector<uint8_t> readBuffer_;  // data_ points here for non-regular files
  uint64_t device_ = 0;
  uint64_t inode_ = 0;
};

// Maps an errno from open/stat/read/mmap to a Status naming the operation and path.
Status fileErrorStatus(int error, const std::string& operation, const std::filesystem::path& path);

}  // namespace esekit::tools

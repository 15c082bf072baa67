// Small POSIX file helpers shared by the log writer, reader and checkpoint
// file code: errors become Status values naming the path and offset.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"

namespace esekit::engine::log::io {

// Owns a file descriptor.
class File {
 public:
  File() = default;
  explicit File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  File(File&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  static Result<File> openReadWrite(const std::filesystem::path& path);
  static Result<File> openReadOnly(const std::filesystem::path& path);
  // O_CREAT|O_EXCL.
  static Result<File> create(const std::filesystem::path& path);

  bool isOpen() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  // Whole buffer at `offset`; ENOSPC -> DiskFull, other errors -> `failure`.
  Status writeAt(uint64_t offset, Bytes bytes, JetError failure = JetError::LogWriteFail) const;
  Status readAt(uint64_t offset, MutableBytes bytes) const;  // short read -> FileIOBeyondEOF
  Status dataSync(JetError failure = JetError::LogWriteFail) const;  // fdatasync
  Status fullSync(JetError failure = JetError::LogWriteFail) const;  // fsync
  Result<uint64_t> size() const;
  void close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// fsync of a directory, so renames and creations in it are durable.
Status syncDirectory(const std::filesystem::path& directory);
// Whole file; FileNotFound when missing.
Result<std::vector<uint8_t>> readWholeFile(const std::filesystem::path& path);
// Atomic rename (same directory); `failure` on error.
Status renameFile(const std::filesystem::path& from, const std::filesystem::path& to,
                  JetError failure = JetError::LogWriteFail);
// "what path: strerror(errno)".
std::string errnoText(const std::string& what, const std::filesystem::path& path, int error);

}  // namespace esekit::engine::log::io

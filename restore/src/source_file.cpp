#include "source_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace esekit::restore {
namespace fs = std::filesystem;

namespace {

Status errnoStatus(int error, const std::string& what, const fs::path& path) {
  JetError code = JetError::DiskIO;
  if (error == ENOENT) code = JetError::FileNotFound;
  if (error == EACCES || error == EPERM) code = JetError::FileAccessDenied;
  if (error == ENOSPC) code = JetError::DiskFull;
  return Status(code, path.string() + ": " + what + ": " + std::strerror(error));
}

int openReadOnly(const fs::path& path) {
  // O_NOATIME keeps even the access time of the backup as it was; it is
  // refused (EPERM) for files we do not own, then plain O_RDONLY.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  return fd;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Status writeAll(int fd, const uint8_t* data, size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, std::min<size_t>(size, size_t{1} << 30));
    if (written < 0) {
      if (errno == EINTR) continue;
      return errnoStatus(errno, "write", path);
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return Status();
}

}  // namespace

Result<SourceFile> SourceFile::open(const fs::path& path) {
  const int fd = openReadOnly(path);
  if (fd < 0) return errnoStatus(errno, "open (read-only)", path);
  FdCloser closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return errnoStatus(errno, "fstat", path);
  if (!S_ISREG(info.st_mode)) return Status(JetError::InvalidPath, path.string() + ": not a regular file");
  SourceFile file;
  file.path_ = path;
  file.size_ = static_cast<size_t>(info.st_size);
  if (file.size_ == 0) return file;
  void* mapped = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapped == MAP_FAILED) return errnoStatus(errno, "mmap", path);
  ::madvise(mapped, file.size_, MADV_SEQUENTIAL);
  file.data_ = static_cast<const uint8_t*>(mapped);
  return file;
}

SourceFile::SourceFile(SourceFile&& other) noexcept { *this = std::move(other); }

SourceFile& SourceFile::operator=(SourceFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

SourceFile::~SourceFile() { release(); }

void SourceFile::release() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

backup::Hash128 hash128(Bytes data) {
  const XXH128_hash_t hash = XXH3_128bits(data.data(), data.size());
  return backup::Hash128{hash.high64, hash.low64};
}

Result<std::vector<uint8_t>> decompressAll(Bytes compressed, std::optional<uint64_t> expectedSize, JetError error,
                                           const std::string& name) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!context) return Status(JetError::OutOfMemory, name + ": cannot create a zstd context");
  std::vector<uint8_t> out;
  // Never trust a size from the input beyond what the manifest promises.
  const uint64_t limit = expectedSize.value_or(uint64_t{1} << 40);
  if (expectedSize) out.reserve(static_cast<size_t>(*expectedSize));
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  std::vector<uint8_t> chunk(ZSTD_DStreamOutSize());
  size_t last = 0;
  while (input.pos < input.size || last != 0) {
    ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return Status(error, name + ": zstd data damaged at compressed offset " + std::to_string(input.pos) + ": " +
                               ZSTD_getErrorName(last));
    }
    if (out.size() + output.pos > limit) {
      return Status(error, name + ": decompresses to more than the " + std::to_string(limit) +
                               " bytes the manifest lists");
    }
    out.insert(out.end(), chunk.data(), chunk.data() + output.pos);
    if (input.pos == input.size && output.pos == 0 && last != 0) {
      return Status(error, name + ": zstd stream ends in the middle of a frame (truncated file)");
    }
  }
  return out;
}

Status writeCopy(Bytes data, bool compressed, const fs::path& destination, std::optional<uint64_t> limit,
                 const std::function<void(uint64_t)>& progress) {
  const int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errnoStatus(errno, "create", destination);
  FdCloser closer{fd};
  const uint64_t keep = limit.value_or(UINT64_MAX);
  uint64_t written = 0;
  auto emit = [&](const uint8_t* bytes, size_t size) -> Status {
    const size_t take = static_cast<size_t>(std::min<uint64_t>(size, keep - written));
    ESEKIT_RETURN_IF_ERROR(writeAll(fd, bytes, take, destination));
    written += take;
    return Status();
  };
  constexpr size_t kChunk = size_t{8} << 20;
  if (!compressed) {
    for (size_t offset = 0; offset < data.size(); offset += kChunk) {
      const size_t size = std::min(kChunk, data.size() - offset);
      ESEKIT_RETURN_IF_ERROR(emit(data.data() + offset, size));
      if (progress) progress(offset + size);
    }
  } else {
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!context) return Status(JetError::OutOfMemory, "cannot create a zstd context");
    std::vector<uint8_t> chunk(kChunk);
    size_t last = 0;
    size_t reported = 0;
    ZSTD_inBuffer input{data.data(), 0, 0};
    for (size_t fed = 0; fed < data.size() || last != 0;) {
      if (input.pos == input.size && fed < data.size()) {
        fed = std::min(data.size(), fed + kChunk);
        input.size = fed;
      }
      ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
      last = ZSTD_decompressStream(context.get(), &output, &input);
      if (ZSTD_isError(last))
        return Status(JetError::ReadVerifyFailure, destination.filename().string() + ": zstd data damaged: " +
                                                       ZSTD_getErrorName(last));
      ESEKIT_RETURN_IF_ERROR(emit(chunk.data(), output.pos));
      if (progress && input.pos - reported >= kChunk) {
        reported = input.pos;
        progress(input.pos);
      }
      if (input.pos == data.size() && output.pos == 0 && last != 0)
        return Status(JetError::ReadVerifyFailure, destination.filename().string() + ": zstd stream truncated");
    }
    if (progress) progress(data.size());
  }
  if (::fdatasync(fd) != 0) return errnoStatus(errno, "fdatasync", destination);
  return Status();
}

Status syncDirectory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoStatus(errno, "open directory", directory);
  FdCloser closer{fd};
  if (::fsync(fd) != 0) return errnoStatus(errno, "fsync directory", directory);
  return Status();
}

}  // namespace esekit::restore

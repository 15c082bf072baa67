// POSIX file helpers for the log and checkpoint files.
#include "log/log_file_io.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace esekit::engine::log::io {

std::string errnoText(const std::string& what, const std::filesystem::path& path, int error) {
  return what + " " + path.string() + ": " + std::strerror(error);
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

File::~File() { close(); }

void File::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {
Result<File> openWith(const std::filesystem::path& path, int flags, const char* what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return Status(JetError::FileNotFound, errnoText(what, path, error));
    if (error == EACCES || error == EPERM) return Status(JetError::FileAccessDenied, errnoText(what, path, error));
    if (error == ENOSPC) return Status(JetError::DiskFull, errnoText(what, path, error));
    return Status(JetError::DiskIO, errnoText(what, path, error));
  }
  return File(fd, path);
}
}  // namespace

Result<File> File::openReadWrite(const std::filesystem::path& path) { return openWith(path, O_RDWR, "cannot open"); }
Result<File> File::openReadOnly(const std::filesystem::path& path) { return openWith(path, O_RDONLY, "cannot open"); }
Result<File> File::create(const std::filesystem::path& path) {
  return openWith(path, O_RDWR | O_CREAT | O_EXCL, "cannot create");
}

Status File::writeAt(uint64_t offset, Bytes bytes, JetError failure) const {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      const std::string message =
          errnoText("write of " + std::to_string(bytes.size()) + " bytes at offset " + std::to_string(offset + done) + " of",
                    path_, error);
      return Status(error == ENOSPC || error == EDQUOT ? JetError::DiskFull : failure, message);
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status File::readAt(uint64_t offset, MutableBytes bytes) const {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(JetError::DiskIO, errnoText("read at offset " + std::to_string(offset + done) + " of", path_, errno));
    }
    if (n == 0)
      return Status(JetError::FileIOBeyondEOF, "read of " + std::to_string(bytes.size()) + " bytes at offset " +
                                                   std::to_string(offset) + " of " + path_.string() + " ends past the file end");
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status File::dataSync(JetError failure) const {
  if (::fdatasync(fd_) != 0) return Status(failure, errnoText("fdatasync of", path_, errno));
  return Status::ok();
}

Status File::fullSync(JetError failure) const {
  if (::fsync(fd_) != 0) return Status(failure, errnoText("fsync of", path_, errno));
  return Status::ok();
}

Result<uint64_t> File::size() const {
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return Status(JetError::DiskIO, errnoText("fstat of", path_, errno));
  return static_cast<uint64_t>(info.st_size);
}

Status syncDirectory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status(JetError::LogWriteFail, errnoText("cannot open directory", directory, errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return Status(JetError::LogWriteFail, errnoText("fsync of directory", directory, error));
  return Status::ok();
}

Result<std::vector<uint8_t>> readWholeFile(const std::filesystem::path& path) {
  Result<File> file = File::openReadOnly(path);
  ESEKIT_RETURN_IF_ERROR(file);
  Result<uint64_t> size = file->size();
  ESEKIT_RETURN_IF_ERROR(size);
  std::vector<uint8_t> bytes(*size);
  ESEKIT_RETURN_IF_ERROR(file->readAt(0, bytes));
  return bytes;
}

Status renameFile(const std::filesystem::path& from, const std::filesystem::path& to, JetError failure) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return Status(failure, errnoText("cannot rename " + from.string() + " to", to, errno));
  return Status::ok();
}

}  // namespace esekit::engine::log::io

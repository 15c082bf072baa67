#include "fix_output.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace esekit::tools {

bool sameFile(const std::filesystem::path& out, const MappedFile& input) {
  struct stat info {};
  if (::stat(out.c_str(), &info) == 0) {
    return static_cast<uint64_t>(info.st_dev) == input.device() && static_cast<uint64_t>(info.st_ino) == input.inode();
  }
  std::error_code ignored;
  return std::filesystem::weakly_canonical(out, ignored) == std::filesystem::weakly_canonical(input.path(), ignored);
}

Result<FixOutput> FixOutput::create(const std::filesystem::path& out, const MappedFile& input) {
  if (sameFile(out, input)) {
    return Status(JetError::InvalidParameter,
                  out.string() + ": --fix output is the input file itself; refusing to overwrite the input");
  }
  FixOutput result;
  result.out_ = out;
  result.temporary_ = out;
  result.temporary_ += ".tmp";
  result.fd_ = ::open(result.temporary_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (result.fd_ < 0) return fileErrorStatus(errno, "create", result.temporary_);
  result.size_ = input.size();
  if (result.size_ == 0) return result;
  if (::ftruncate(result.fd_, static_cast<off_t>(result.size_)) != 0) {
    return fileErrorStatus(errno, "resize", result.temporary_);
  }
  void* address = ::mmap(nullptr, result.size_, PROT_READ | PROT_WRITE, MAP_SHARED, result.fd_, 0);
  if (address == MAP_FAILED) return fileErrorStatus(errno, "mmap", result.temporary_);
  result.data_ = static_cast<uint8_t*>(address);
  std::memcpy(result.data_, input.bytes().data(), result.size_);
  return result;
}

FixOutput::FixOutput(FixOutput&& other) noexcept { *this = std::move(other); }

FixOutput& FixOutput::operator=(FixOutput&& other) noexcept {
  if (this != &other) {
    discard();
    out_ = std::move(other.out_);
    temporary_ = std::move(other.temporary_);
    fd_ = std::exchange(other.fd_, -1);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    committed_ = std::exchange(other.committed_, false);
  }
  return *this;
}

FixOutput::~FixOutput() { discard(); }

void FixOutput::discard() {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  if (fd_ >= 0) {
    ::close(fd_);
    if (!committed_) ::unlink(temporary_.c_str());
  }
  fd_ = -1;
}

Status FixOutput::commit() {
  if (fd_ < 0) return Status(JetError::InvalidParameter, out_.string() + ": no output open");
  if (data_ != nullptr && ::msync(data_, size_, MS_SYNC) != 0) return fileErrorStatus(errno, "msync", temporary_);
  if (::fsync(fd_) != 0) return fileErrorStatus(errno, "fsync", temporary_);
  if (::rename(temporary_.c_str(), out_.c_str()) != 0) return fileErrorStatus(errno, "rename to " + out_.string(), temporary_);
  committed_ = true;
  // Make the rename itself durable.
  std::filesystem::path directory = out_.parent_path();
  if (directory.empty()) directory = ".";
  const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd >= 0) {
    ::fsync(dirFd);
    ::close(dirFd);
  }
  discard();
  return Status::ok();
}

}  // namespace esekit::tools

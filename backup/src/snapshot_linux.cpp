// The Linux SnapshotSource (snapshot.h): engine freeze, then every file is
// reflinked (FICLONE: the new file shares the extents, O(metadata)) into the
// snapshot directory — or copied when the filesystem cannot (tmpfs, ext4,
// another filesystem) — then the thaw. The copies are the snapshot; the
// backup copies and verifies from them afterwards (backupFromSnapshot).
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "esekit/backup/stored_file.h"
#include "snapshot_core.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status ioError(const fs::path& path, const char* what, int error) {
  return Status(error == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                path.string() + ": " + what + ": " + std::strerror(error));
}

// Copies `size` bytes (the size at the freeze; the log files are
// preallocated, so nothing grows during the freeze anyway).
Status copyBytes(int in, int out, uint64_t size, const fs::path& target) {
  uint64_t done = 0;
  bool plainCopy = false;
  std::vector<uint8_t> buffer;
  while (done < size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size - done, uint64_t{1} << 24));
    ssize_t n = -1;
    if (!plainCopy) {
      loff_t inOffset = static_cast<loff_t>(done), outOffset = static_cast<loff_t>(done);
      n = ::copy_file_range(in, &inOffset, out, &outOffset, want, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        plainCopy = true;
        continue;
      }
    } else {
      buffer.resize(std::min<size_t>(want, size_t{1} << 20));
      n = ::pread(in, buffer.data(), buffer.size(), static_cast<off_t>(done));
      if (n > 0) {
        ssize_t written = 0;
        while (written < n) {
          const ssize_t w = ::pwrite(out, buffer.data() + written, static_cast<size_t>(n - written),
                                     static_cast<off_t>(done + static_cast<uint64_t>(written)));
          if (w < 0) {
            if (errno == EINTR) continue;
            return ioError(target, "write", errno);
          }
          written += w;
        }
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError(target, "copy", errno);
    }
    if (n == 0) return Status(JetError::DiskIO, target.string() + ": the source ended early during the snapshot copy");
    done += static_cast<uint64_t>(n);
  }
  return Status();
}

class LinuxSnapshot final : public SnapshotSource {
 public:
  explicit LinuxSnapshot(SnapshotOptions options) : core_(std::move(options)) {}
  ~LinuxSnapshot() override { abandon(); }

  Status prepare(engine::Instance& instance) override {
    const fs::path& directory = core_.options().directory;
    if (directory.empty()) return Status(JetError::InvalidPath, "the snapshot needs a directory for its files");
    std::error_code error;
    if (fs::exists(directory, error) && !fs::is_empty(directory, error))
      return Status(JetError::BackupDirectoryNotEmpty, directory.string() + ": the snapshot directory must be empty");
    ESEKIT_RETURN_IF_ERROR(core_.prepare(instance, core_.options().reflink ? "reflink" : "copy"));
    fs::create_directories(directory, error);
    if (error) {
      core_.abandon();
      return Status(JetError::MakeBackupDirectoryFail, directory.string() + ": " + error.message());
    }
    createdDirectory_ = true;
    core_.description().location = fs::absolute(directory, error);
    return Status();
  }

  Status freeze() override {
    ESEKIT_RETURN_IF_ERROR(core_.beginFreeze());
    bool reflinked = false, copied = false;
    for (SnapshotFile& file : core_.description().files) {
      file.snapshot = core_.description().location / file.name;
      bool viaReflink = false;
      Status taken = capture(file, viaReflink);
      if (!taken.isOk()) {
        core_.failFreeze();
        return taken;
      }
      (viaReflink ? reflinked : copied) = true;
    }
    core_.description().method = reflinked && copied ? "reflink+copy" : reflinked ? "reflink" : "copy";
    core_.runDuringFreeze();
    return Status();
  }

  Status thaw() override {
    ESEKIT_RETURN_IF_ERROR(core_.thaw());
    // Durable only now, outside the freeze: fsync is what makes a freeze long.
    for (const SnapshotFile& file : core_.description().files) {
      Fd fd{::open(file.snapshot.c_str(), O_RDONLY | O_CLOEXEC)};
      if (fd.fd < 0 || ::fsync(fd.fd) != 0) return ioError(file.snapshot, "fsync", errno);
    }
    return syncDirectory(core_.description().location);
  }

  const SnapshotDescription& description() const override { return core_.description(); }

  Status complete(bool success) override {
    Status status = core_.complete(success);
    if (core_.stage() == detail::SnapshotStage::Ended) removeFiles();
    return status;
  }

  void abandon() override {
    core_.abandon();
    removeFiles();
  }

 private:
  // FICLONE into a new file, or a copy when the filesystem cannot reflink.
  Status capture(const SnapshotFile& file, bool& viaReflink) {
    Fd in{::open(file.source.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) return ioError(file.source, "open", errno);
    Fd out{::open(file.snapshot.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (out.fd < 0) return ioError(file.snapshot, "create", errno);
    if (core_.options().reflink) {
      if (::ioctl(out.fd, FICLONE, in.fd) == 0) {
        // A clone is the whole file; the size at the freeze is what counts.
        if (::ftruncate(out.fd, static_cast<off_t>(file.size)) != 0) return ioError(file.snapshot, "truncate", errno);
        viaReflink = true;
        return Status();
      }
      const int error = errno;
      // Not supported here (tmpfs, ext4), across filesystems, or not a regular
      // file pair: copy instead. ENOTTY: older kernels without the ioctl.
      if (error != EOPNOTSUPP && error != EXDEV && error != EINVAL && error != ENOTTY && error != ENOSYS)
        return ioError(file.snapshot, "FICLONE", error);
    }
    viaReflink = false;
    return copyBytes(in.fd, out.fd, file.size, file.snapshot);
  }

  void removeFiles() {
    if (!createdDirectory_ || core_.options().keepFiles) return;
    createdDirectory_ = false;
    std::error_code error;
    fs::remove_all(core_.options().directory, error);
  }

  detail::SnapshotCore core_;
  bool createdDirectory_ = false;
};

}  // namespace

std::unique_ptr<SnapshotSource> makeLinuxSnapshot(SnapshotOptions options) {
  return std::make_unique<LinuxSnapshot>(std::move(options));
}

}  // namespace esekit::backup

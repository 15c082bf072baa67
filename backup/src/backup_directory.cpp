#include "backup_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "esekit/backup/manifest.h"

namespace esekit::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNewSuffix = ".new-";
constexpr std::string_view kOldSuffix = ".old-";

std::string randomHex() {
  std::random_device device;
  const uint64_t value = (uint64_t{device()} << 32) ^ device();
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// "<dest name><suffix><16 hex>": only such names are ever removed.
bool isStagingName(const std::string& name, const std::string& destName, std::string_view suffix) {
  const std::string prefix = destName + std::string(suffix);
  if (name.size() != prefix.size() + 16 || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status hookCall(const FaultHook& hook, std::string_view operation, const fs::path& path) {
  return hook ? hook(operation, path) : Status();
}

Status renameError(const fs::path& from, const fs::path& to, int error) {
  return Status(error == ENOSPC ? JetError::DiskFull : JetError::DiskIO,
                "rename " + from.string() + " -> " + to.string() + " failed: " + std::strerror(error));
}

bool isEmptyDirectory(const fs::path& path) {
  std::error_code error;
  return fs::is_directory(path, error) && fs::is_empty(path, error) && !error;
}

// A fallback swap (no RENAME_EXCHANGE) killed between its two renames leaves
// no destination and the previous backup in `<dest>.old-*`: move it back.
void repairInterruptedSwap(const fs::path& destination, std::vector<std::string>& notes) {
  std::error_code error;
  if (fs::exists(destination, error)) return;
  const std::string destName = destination.filename().string();
  for (const auto& entry : fs::directory_iterator(destination.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (!isStagingName(name, destName, kOldSuffix) || !fs::exists(entry.path() / kManifestFileName, error)) continue;
    if (::rename(entry.path().c_str(), destination.c_str()) == 0) {
      notes.push_back("restored the previous backup from " + entry.path().string() +
                      " (an earlier backup was interrupted)");
      return;
    }
  }
}

}  // namespace

BackupDirectory::BackupDirectory(BackupDirectory&& other) noexcept
    : destination_(std::move(other.destination_)),
      write_(std::move(other.write_)),
      atomic_(other.atomic_),
      done_(other.done_),
      hook_(std::move(other.hook_)),
      written_(std::move(other.written_)) {
  other.done_ = true;
}

BackupDirectory::~BackupDirectory() {
  if (!done_) discard();
}

Result<BackupDirectory> BackupDirectory::prepare(const fs::path& requested, bool atomic, bool createPaths,
                                                 FaultHook hook, std::vector<std::string>& notes) {
  if (requested.empty()) return Status(JetError::InvalidPath, "empty backup destination");
  std::error_code error;
  fs::path destination = fs::absolute(requested, error).lexically_normal();
  if (destination.has_filename() == false) destination = destination.parent_path();  // trailing slash
  const fs::path parent = destination.parent_path();
  const std::string destName = destination.filename().string();

  if (atomic && fs::is_directory(parent, error)) repairInterruptedSwap(destination, notes);
  if (!fs::exists(destination, error)) {
    if (!createPaths)
      return Status(JetError::InvalidPath, destination.string() + ": the backup destination does not exist");
  } else if (!fs::is_directory(destination, error)) {
    return Status(JetError::InvalidPath, destination.string() + ": not a directory");
  }

  BackupDirectory target;
  target.destination_ = destination;
  target.atomic_ = atomic;
  target.hook_ = std::move(hook);

  if (!atomic) {
    if (!fs::exists(destination, error)) {
      if (!createPaths)
        return Status(JetError::InvalidPath, destination.string() + ": the backup destination does not exist");
      ESEKIT_RETURN_IF_ERROR(hookCall(target.hook_, "mkdir", destination));
      fs::create_directories(destination, error);
      if (error)
        return Status(JetError::MakeBackupDirectoryFail, destination.string() + ": cannot create: " + error.message());
    } else if (!isEmptyDirectory(destination)) {
      return Status(JetError::BackupDirectoryNotEmpty,
                    destination.string() + ": a non-atomic backup needs an empty directory");
    }
    target.write_ = destination;
    return target;
  }

  if (createPaths && !fs::is_directory(parent, error)) {
    ESEKIT_RETURN_IF_ERROR(hookCall(target.hook_, "mkdir", parent));
    fs::create_directories(parent, error);
    if (error) return Status(JetError::MakeBackupDirectoryFail, parent.string() + ": cannot create: " + error.message());
  }
  // Drop staging directories of earlier killed backups.
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    if (isStagingName(name, destName, kNewSuffix) || isStagingName(name, destName, kOldSuffix))
      stale.push_back(entry.path());
  }
  if (error) return Status(JetError::DiskIO, parent.string() + ": cannot list: " + error.message());
  for (const fs::path& path : stale) {
    fs::remove_all(path, error);
    if (!error) notes.push_back("removed stale staging directory " + path.string());
  }
  if (fs::exists(destination, error) && !isEmptyDirectory(destination) &&
      !fs::exists(destination / kManifestFileName, error)) {
    return Status(JetError::BackupDirectoryNotEmpty,
                  destination.string() + ": holds files but no esekit backup (" + std::string(kManifestFileName) +
                      "); an atomic backup only replaces a previous backup");
  }
  target.write_ = parent / (destName + std::string(kNewSuffix) + randomHex());
  ESEKIT_RETURN_IF_ERROR(hookCall(target.hook_, "mkdir", target.write_));
  if (::mkdir(target.write_.c_str(), 0755) != 0)
    return Status(errno == ENOSPC ? JetError::DiskFull : JetError::MakeBackupDirectoryFail,
                  target.write_.string() + ": cannot create the staging directory: " + std::strerror(errno));
  return target;
}

Status BackupDirectory::commit(std::vector<std::string>& notes) {
  ESEKIT_RETURN_IF_ERROR(hookCall(hook_, "fsync", write_));
  ESEKIT_RETURN_IF_ERROR(syncDirectory(write_));
  if (!atomic_) {
    done_ = true;
    return Status();
  }
  const fs::path parent = destination_.parent_path();
  std::error_code error;
  ESEKIT_RETURN_IF_ERROR(hookCall(hook_, "rename", destination_));
  if (!fs::exists(destination_, error)) {
    if (::rename(write_.c_str(), destination_.c_str()) != 0) return renameError(write_, destination_, errno);
    done_ = true;
    return syncDirectory(parent);
  }
  if (::renameat2(AT_FDCWD, write_.c_str(), AT_FDCWD, destination_.c_str(), RENAME_EXCHANGE) == 0) {
    done_ = true;  // the new backup is at the destination; write_ holds the old one
    ESEKIT_RETURN_IF_ERROR(syncDirectory(parent));
    fs::remove_all(write_, error);
    if (error) notes.push_back("could not remove the previous backup at " + write_.string() + ": " + error.message());
    return Status();
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return renameError(write_, destination_, errno);
  // No RENAME_EXCHANGE here: two renames (prepare() repairs a kill between them).
  const fs::path old = parent / (destination_.filename().string() + std::string(kOldSuffix) + randomHex());
  if (::rename(destination_.c_str(), old.c_str()) != 0) return renameError(destination_, old, errno);
  if (::rename(write_.c_str(), destination_.c_str()) != 0) {
    const int saved = errno;
    (void)::rename(old.c_str(), destination_.c_str());
    return renameError(write_, destination_, saved);
  }
  done_ = true;
  ESEKIT_RETURN_IF_ERROR(syncDirectory(parent));
  fs::remove_all(old, error);
  if (error) notes.push_back("could not remove the previous backup at " + old.string() + ": " + error.message());
  return Status();
}

void BackupDirectory::discard() {
  if (done_) return;
  done_ = true;
  std::error_code error;
  if (atomic_) {
    fs::remove_all(write_, error);
    return;
  }
  for (const fs::path& file : written_) fs::remove(file, error);
}

}  // namespace esekit::backup

// Checkpoint file I/O (ese-format/checkpoint-and-backup.md §1).
#include "log/checkpoint_file.h"

#include "log/log_file_io.h"

namespace esekit::engine::log {

namespace fs = std::filesystem;

Status writeCheckpointFile(const fs::path& path, const Checkpoint& checkpoint) {
  const std::vector<uint8_t> copy = serializeCheckpoint(checkpoint);
  std::error_code error;
  if (!fs::exists(path, error)) {
    // New file: nothing to protect yet; both copies, then the directory entry.
    Result<io::File> file = io::File::create(path);
    ESEKIT_RETURN_IF_ERROR(file);
    std::vector<uint8_t> both = copy;
    both.insert(both.end(), copy.begin(), copy.end());
    ESEKIT_RETURN_IF_ERROR(file->writeAt(0, both, JetError::DiskIO));
    ESEKIT_RETURN_IF_ERROR(file->fullSync(JetError::DiskIO));
    return io::syncDirectory(path.parent_path().empty() ? fs::path(".") : path.parent_path());
  }
  Result<io::File> file = io::File::openReadWrite(path);
  ESEKIT_RETURN_IF_ERROR(file);
  ESEKIT_RETURN_IF_ERROR(file->writeAt(0, copy, JetError::DiskIO));
  ESEKIT_RETURN_IF_ERROR(file->dataSync(JetError::DiskIO));
  ESEKIT_RETURN_IF_ERROR(file->writeAt(kCheckpointCopySize, copy, JetError::DiskIO));
  return file->dataSync(JetError::DiskIO);
}

Result<Checkpoint> readCheckpointFile(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error))
    return Status(JetError::CheckpointFileNotFound, "checkpoint file " + path.string() + " is missing");
  Result<std::vector<uint8_t>> bytes = io::readWholeFile(path);
  if (!bytes.isOk()) {
    if (bytes.status().code() == JetError::FileNotFound)
      return Status(JetError::CheckpointFileNotFound, bytes.status().message());
    return bytes.status();
  }
  Result<CheckpointRead> read = ::esekit::readCheckpointFile(*bytes);
  if (!read.isOk()) return read.status().withContext(path.string());
  return std::move(read->checkpoint);
}

}  // namespace esekit::engine::log

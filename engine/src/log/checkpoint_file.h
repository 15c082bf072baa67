// The checkpoint file (`<base>.chk`): two identical 4096-byte CHECKPOINT
// copies. See ese-format/checkpoint-and-backup.md §1 and database-header.md §5
// (shadowed header writes).
#pragma once

#include <filesystem>

#include "esekit/format/checkpoint.h"
#include "esekit/format/status.h"

namespace esekit::engine::log {

// Writes both copies crash-safely: the primary (offset 0) is written and
// made durable before the shadow (offset 4096) is touched, as ESE's shadowed
// header writer does, so at every moment at least one copy verifies (the old
// shadow while the primary is written, the new primary while the shadow is).
// A new file is created with both copies and the directory is synced.
// Errors: DiskFull, DiskIO/FileAccessDenied naming the path.
Status writeCheckpointFile(const std::filesystem::path& path, const Checkpoint& checkpoint);

// Reads and verifies the file (format's readCheckpointFile: prefer the
// primary, fall back to the shadow). Missing -> CheckpointFileNotFound;
// no verifying copy -> CheckpointCorrupt; other kind of file -> FileInvalidType.
Result<Checkpoint> readCheckpointFile(const std::filesystem::path& path);

}  // namespace esekit::engine::log

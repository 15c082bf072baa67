// The snapshot hand-off modes of `esekit backup` (doc/snapshot.md):
//   esekit backup LOGDIR --export-snapshot DOC [--snapshot-dir DIR] [--database DB]...
//   esekit backup --from-snapshot DOC DEST [--compress ...] [--no-atomic] [--create]
//   esekit backup LOGDIR --complete DOC [--database DB]...
// built on backup/include/esekit/backup/snapshot.h.
#pragma once

#include <iosfwd>

#include "backup_command.h"

namespace esekit::tools {

// Which mode `options` selects (at most one of the three), or none.
bool snapshotModeRequested(const BackupCommandOptions& options);
// Exit status as runBackup: 0 done, 2 failed (JET error printed), 64 usage.
int runSnapshotMode(const BackupCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace esekit::tools

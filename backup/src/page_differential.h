// backup() with BackupType::Pages: the page-level differential
// (doc/pages-differential.md). Private to backup/; backup() dispatches here.
#pragma once

#include <filesystem>

#include "esekit/backup/backup.h"

namespace esekit::backup {

// For each attached database: the pages the engine tracked as written since
// its last full backup (engine::BackupSession::changedPages), read through
// the engine (never torn) and checksum-verified, into `<db file>.pages`
// (pages_file.h); then, like a full backup, the log generations
// [checkpoint generation at begin, generation closed by the forced rollover].
// Never truncates logs; records the backup in the header's Differential slot
// (bkinfoDiffPrev, the slot ESE uses for a backup that holds the changes
// since the last full one without truncating). The manifest's `previous` is
// the full backup the pages apply to.
// Errors (besides backup()'s): MissingFullBackup (no full backup in a
// header), InvalidBackupSequence (tracking missing or from another full
// backup), InvalidGrbit (previousBackup given: the base is the engine's).
Result<BackupResult> pagesBackup(engine::Instance& instance, const std::filesystem::path& destination,
                                 const BackupOptions& options);

}  // namespace esekit::backup

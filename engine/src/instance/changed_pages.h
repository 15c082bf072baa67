// Changed-page tracking for page-level differential backups
// (doc/pages-differential.md): per database file, the set of pages written
// to the file since the last full backup began, as a CRoaring bitmap.
//
// Why writes and not dirty marks: a pages differential is applied onto the
// full backup's copy, so what matters is which on-disk pages can differ from
// that copy. On-disk pages change only through PageCache::flush (checkpoints
// and the end of recovery), which calls beforePageWrite() with the pages it
// is about to write. The set is persisted in a sidecar file
// `<database>.pages.roar` *before* the pages are written (write-ahead), so
// at every instant, crash or not, the sidecar holds a superset of the pages
// that differ from the full backup's copy; recovery's redo writes through
// the same flush, so it needs no extra hook. A sidecar that cannot be
// updated is removed (pages differentials are then refused until the next
// full backup) — never left stale.
//
// The epoch: a backup session starts one (beginEpoch) at its begin; pages
// written from then on are collected in a second set. When a full backup is
// recorded in the header (commitFullBackup), that second set becomes the
// sidecar with the full backup's BKINFO as stamp; otherwise it is dropped.
//
// Thread safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/database_header.h"
#include "esekit/format/status.h"
#include "esekit/format/types.h"

namespace esekit::engine::changed_pages {

// "<database>.pages.roar" next to the database (like ESE's .jfm flush map).
std::filesystem::path sidecarPath(const std::filesystem::path& database);

// The page cache of `database` is about to write `pgnos` (the hook in
// PageCache::flush). Adds them to the sidecar (persisted first) and to a
// running epoch. Error only when the sidecar could neither be updated nor
// removed (the flush must then not write).
Status beforePageWrite(const std::filesystem::path& database, std::span<const uint32_t> pgnos);

// A backup session begins (its Backup2 Begin record at `start`) / ends
// without a full backup being recorded.
void beginEpoch(const std::filesystem::path& database, LogPosition start);
void abandonEpoch(const std::filesystem::path& database);

// A full backup of `database` is recorded in its header with `full`: the
// epoch's pages become the sidecar, stamped with `full` and the database's
// signature (written atomically, before the header is). When the epoch
// began after full.mark (the backup's copy was taken before this session)
// or there is none, the sidecar is removed instead.
Status commitFullBackup(const std::filesystem::path& database, const Signature& databaseSignature,
                        const BackupInfo& full);

struct ChangedPageSet {
  std::vector<uint32_t> pages;  // ascending
  Signature databaseSignature;
  BackupInfo fullBackup;        // the stamp of the full backup the set is relative to
};

// The pages written since the full backup recorded in `header`
// (bkinfoFullPrev). MissingFullBackup when the header records none;
// InvalidBackupSequence when the sidecar is missing, damaged, or stamped
// with another full backup or database (the message says which).
Result<ChangedPageSet> changedSince(const std::filesystem::path& database, const DatabaseHeader& header);

// The roaring portable serialization of a page set, and back: a damaged
// bitmap, or one holding a value >= pageLimit or more than pageLimit values,
// is InvalidParameter (the caller names the file).
std::vector<uint8_t> encodePortable(std::span<const uint32_t> pages);
Result<std::vector<uint32_t>> decodePortable(Bytes bytes, uint64_t pageLimit);

}  // namespace esekit::engine::changed_pages

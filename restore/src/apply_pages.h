// Page-level differential sets (backup type "pages", doc/pages-differential.md)
// in validation and restore: a pages set lays `<db>.pages` files over the
// database copies of the full backup it names, and its logs replace that
// full backup's in the replay.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "esekit/format/bytes.h"
#include "esekit/format/status.h"
#include "esekit/restore/validate.h"
#include "validate_internal.h"

namespace esekit::restore::detail {

// Validation of one .pages file of a set (content already decompressed):
// layout and header checksum, every page image's checksum
// (ReadVerifyFailure naming the page and offset), the log signature and the
// base stamp against the set's manifest.
void checkPagesFile(const std::filesystem::path& path, Bytes content, const backup::Manifest* manifest,
                    Inspection& inspection);

// Index of the last pages set in `sets`, if any.
std::optional<size_t> lastPagesSet(const std::vector<SetState>& sets);

// A pages set must come after the full backup its manifest names (same
// stamp: generations and mark); otherwise InvalidBackupSequence naming both
// stamps. Also: only one full backup with databases before it.
void checkPagesBase(const std::vector<SetState>& sets, size_t pagesIndex, Inspection& inspection);

}  // namespace esekit::restore::detail

namespace esekit::restore {

// Restore: for every pages set among `valid.sets`, its .pages files are laid
// over the staged copies in `staging` of the databases of `full` (the file
// `<name>.pages` over `<name>`): the file is resized to the database's page
// count at pages-backup time, every page written at its offset, the header
// page (pages 0 and 1) replaced; fsynced. Refuses (before writing) a pages
// file whose database or base stamp is not the full's: BadDbSignature /
// InvalidBackupSequence naming both.
Status applyPagesSets(const ValidationReport& valid, const ValidatedSet& full, const std::filesystem::path& staging);

}  // namespace esekit::restore

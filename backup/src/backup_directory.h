// Where backup() writes and how the result becomes visible (backup.h,
// BackupOptions::atomic):
//  - atomic: a staging directory `<dest>.new-<16 hex>` next to `dest`; at
//    commit it is fsynced and swapped with `dest` by
//    renameat2(RENAME_EXCHANGE) (or renamed onto a missing `dest`), the
//    parent fsynced, and the previous backup (now at the staging path)
//    deleted. Filesystems without RENAME_EXCHANGE: `dest` is first renamed
//    to `<dest>.old-<16 hex>` and the staging directory to `dest`; a kill
//    between the two renames is repaired by the next prepare(), which moves
//    the `.old-` directory back when `dest` is missing.
//  - non-atomic: straight into `dest`, which must be empty; a failure
//    removes the files written.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "esekit/backup/stored_file.h"
#include "esekit/format/status.h"

namespace esekit::backup {

class BackupDirectory {
 public:
  // Checks `destination` and creates the directory to write into. Errors:
  // InvalidPath (missing without createPaths, or not a directory),
  // BackupDirectoryNotEmpty, MakeBackupDirectoryFail, DiskIO.
  static Result<BackupDirectory> prepare(const std::filesystem::path& destination, bool atomic, bool createPaths,
                                         FaultHook hook, std::vector<std::string>& notes);

  BackupDirectory(BackupDirectory&& other) noexcept;
  BackupDirectory& operator=(BackupDirectory&&) = delete;
  ~BackupDirectory();  // discard() unless committed

  // The directory files are written into.
  const std::filesystem::path& writeDirectory() const { return write_; }
  // Remembers a file written (removed again by discard() when non-atomic).
  void track(const std::filesystem::path& file) { written_.push_back(file); }
  // Makes the backup in writeDirectory() the one at the destination.
  Status commit(std::vector<std::string>& notes);
  // Removes what was written (the destination keeps its previous content).
  void discard();

 private:
  BackupDirectory() = default;
  std::filesystem::path destination_;
  std::filesystem::path write_;
  bool atomic_ = false;
  bool done_ = false;
  FaultHook hook_;
  std::vector<std::filesystem::path> written_;
};

}  // namespace esekit::backup

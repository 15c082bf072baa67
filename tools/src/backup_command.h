// `esekit backup LOGDIR DEST [--database DB]... [--type T] [--compress zstd[:N]]
// [--no-atomic] [--create] [--previous DIR] [--json]`: an online-style backup of
// an esekit instance that is not running elsewhere (the instance lock on
// LOGDIR says so): opens the instance on LOGDIR (sizes and mode from the
// <base>.log header; crash recovery runs first if needed), attaches the
// given databases, runs esekit::backup::backup() (backup/include/esekit/backup/backup.h)
// into DEST with a progress bar on a terminal, and shuts down cleanly.
// An empty DEST ("") only truncates the logs older than the checkpoint.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esekit::tools {

struct BackupCommandOptions {
  std::string logDirectory;
  std::string destination;
  std::vector<std::string> databases;
  std::string type = "full";       // full|incremental|differential|copy|log
  std::string compress = "none";   // none|zstd|zstd:N
  std::string previous;            // previous backup directory (incremental/differential/log)
  std::string baseName = "edb";
  std::string systemDirectory;
  bool noAtomic = false;
  bool createPaths = false;
  bool json = false;
  bool quiet = false;
  // Snapshot hand-off modes (snapshot_command.h, doc/snapshot.md); at most one.
  std::string exportSnapshot;     // --export-snapshot DOC
  std::string fromSnapshot;       // --from-snapshot DOC (then the positional is DEST)
  std::string complete;           // --complete DOC
  std::string snapshotDirectory;  // --snapshot-dir DIR (default DOC.files)
  int64_t freezeTimeoutMs = 20000;  // --freeze-timeout MS
  bool destinationGiven = false;    // DEST appeared on the command line ("" included)
};

// Exit status: 0 backup complete, 2 the backup failed (JET error printed;
// nothing was changed), 64 usage error.
int runBackup(const BackupCommandOptions& options, std::ostream& out, std::ostream& err);

void addBackupCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools

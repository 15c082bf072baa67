// `esekit restore BACKUP... TARGET [--until GEN|TIME] [--json]`: restore a
// full backup and the incrementals after it (oldest first) into a new or
// empty TARGET directory (restore/restore.h): validates first, copies and
// decompresses into a staging directory inside TARGET, replays the logs and
// renames the result into place. A progress bar is drawn on a terminal.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace esekit::tools {

struct RestoreCommandOptions {
  std::vector<std::string> paths;  // BACKUP... TARGET
  std::optional<std::string> until;  // a generation number, or a time (see parseUntilTime)
  bool json = false;
  bool progress = true;
};

// "2024-05-01T12:30:00Z", "2024-05-01 12:30:00" (UTC) or "@1714566600":
// seconds since 1970; nullopt when not a time.
std::optional<int64_t> parseUntilTime(const std::string& text);

// Exit status: 0 restored, 2 refused or failed (nothing usable left in
// TARGET), 64 usage error.
int runRestore(const RestoreCommandOptions& options, std::ostream& out, std::ostream& err);

void addRestoreCommand(CLI::App& app, int& exitCode);

}  // namespace esekit::tools

// Archived log generations in an instance's log directory
// (ese-format/log-format.md §1 file names).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "esekit/format/status.h"

namespace esekit::backup {

// "edb0000A.log": 5 upper-case hex digits up to 0xFFFFF, 8 above (log-format.md §1).
std::string archivedLogName(const std::string& baseName, int32_t generation);
// Archived `<base>XXXXX.log` files of the directory, ascending generation.
std::vector<std::pair<int32_t, std::filesystem::path>> archivedLogs(const std::filesystem::path& directory,
                                                                   const std::string& baseName);
// Lowest archived generation, 0 when there is none.
int32_t lowestGenerationOnDisk(const std::filesystem::path& directory, const std::string& baseName);
// The whole of a log file to back up. Errors: MissingFileToBackup (gone,
// e.g. truncated meanwhile), DiskIO naming the file.
Result<std::vector<uint8_t>> readLogToBackup(const std::filesystem::path& path);

}  // namespace esekit::backup

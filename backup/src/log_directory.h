// Archived log generations in an instance's log directory
// (ese-format/log-format.md §1 file names).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace esekit::backup {

// "edb0000A.log": 5 upper-case hex digits up to 0xFFFFF, 8 above (log-format.md §1).
std::string archivedLogName(const std::string& baseName, int32_t generation);
// Archived `<base>XXXXX.log` files of the directory, ascending generation.
std::vector<std::pair<int32_t, std::filesystem::path>> archivedLogs(const std::filesystem::path& directory,
                                                                   const std::string& baseName);
// Lowest archived generation, 0 when there is none.
int32_t lowestGenerationOnDisk(const std::filesystem::path& directory, const std::string& baseName);

}  // namespace esekit::backup

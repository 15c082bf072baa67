#include "log_directory.h"

#include <algorithm>
#include <cstdio>

#include "esekit/format/log_file.h"

namespace esekit::backup {

std::string archivedLogName(const std::string& baseName, int32_t generation) {
  char digits[16];
  std::snprintf(digits, sizeof digits, generation <= 0xFFFFF ? "%05X" : "%08X", static_cast<unsigned>(generation));
  return baseName + digits + ".log";
}

std::vector<std::pair<int32_t, std::filesystem::path>> archivedLogs(const std::filesystem::path& directory,
                                                                   const std::string& baseName) {
  std::vector<std::pair<int32_t, std::filesystem::path>> logs;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    auto name = parseLogFileName(entry.path().filename().string());
    if (!name || name->role != LogFileRole::Archived || name->baseName != baseName || name->extension != "log") continue;
    logs.emplace_back(name->generation, entry.path());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

int32_t lowestGenerationOnDisk(const std::filesystem::path& directory, const std::string& baseName) {
  auto logs = archivedLogs(directory, baseName);
  return logs.empty() ? 0 : logs.front().first;
}

}  // namespace esekit::backup

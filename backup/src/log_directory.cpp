#include "log_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

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

Result<std::vector<uint8_t>> readLogToBackup(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(JetError::MissingFileToBackup, path.string() + ": log file to back up is missing");
    return Status(JetError::DiskIO, path.string() + ": open failed: " + std::strerror(errno));
  }
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(size_t{1} << 20);
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return Status(JetError::DiskIO, path.string() + ": read failed: " + std::strerror(error));
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }
  ::close(fd);
  return bytes;
}

}  // namespace esekit::backup

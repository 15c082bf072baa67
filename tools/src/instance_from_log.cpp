#include "instance_from_log.h"

#include "esekit/format/log_header.h"
#include "mapped_file.h"

namespace esekit::tools {

namespace fs = std::filesystem;

// see ese-format/log-format.md §3 for the header fields used here
Result<engine::InstanceOptions> instanceOptionsFromLog(const fs::path& logDirectory, const fs::path& systemDirectory,
                                                       const std::string& baseName) {
  std::error_code error;
  if (!fs::is_directory(logDirectory, error))
    return Status(JetError::InvalidPath, logDirectory.string() + ": not a directory");
  const fs::path current = logDirectory / (baseName + ".log");
  if (!fs::exists(current, error))
    return Status(JetError::MissingLogFile, current.string() + ": no current log file (is this an esekit log directory, "
                                                               "and is the base name right? see --base)");
  auto mapped = MappedFile::open(current, MapMode::WholeFile);
  if (!mapped) return mapped.status();
  auto header = parseLogFileHeader(mapped->bytes());
  if (!header) return header.status().withContext(current.string());
  ESEKIT_RETURN_IF_ERROR(verifyLogFileHeaderChecksum(mapped->bytes()).withContext(current.string()));
  engine::InstanceOptions instance;
  instance.logDirectory = logDirectory;
  instance.systemDirectory = systemDirectory;
  instance.baseName = baseName;
  instance.logFileSize = static_cast<uint32_t>(header->expectedFileSize());
  instance.pageSize = header->databasePageSize();
  instance.circularLogging = (header->flags & LogFileHeader::kCircularLogging) != 0;
  instance.createPathsIfMissing = false;
  return instance;
}

}  // namespace esekit::tools

// Instance options for an existing log stream: the log file size, page size
// and circular-logging mode are read from the header of <base>.log, so a
// command attaches to a directory it did not create with matching settings.
#pragma once

#include <filesystem>
#include <string>

#include "esekit/engine/instance.h"
#include "esekit/format/status.h"

namespace esekit::tools {

// Errors: InvalidPath (not a directory), MissingLogFile (no <base>.log), the
// log header's parse or checksum error with the file named.
Result<engine::InstanceOptions> instanceOptionsFromLog(const std::filesystem::path& logDirectory,
                                                       const std::filesystem::path& systemDirectory,
                                                       const std::string& baseName);

}  // namespace esekit::tools

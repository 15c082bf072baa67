// `esekit verify` for one file: detect the kind from its content (file type
// at offset 667, ese-format/database-header.md §8), then check everything
// that kind allows and return a FileReport.
#pragma once

#include <filesystem>
#include <optional>

#include "esekit/format/bytes.h"
#include "verify_report.h"

namespace esekit::tools {

struct VerifyOptions {
  unsigned threads = 0;  // page verification threads; 0 = all cores
  bool progress = false; // allow a progress bar on stderr (also needs a TTY and a large file)
  // Write a corrected copy here (only for ok/corrected files; never over the input).
  std::optional<std::filesystem::path> fixOutput;
  // The file was named on the command line (not found by a directory walk):
  // non-ESE content is then an error even without an ESE file name.
  bool explicitPath = true;
  size_t maxProblems = FileReport::kDefaultProblemCap;
  // Also validate each checksum-good page's structure (tags, nodes, free space).
  bool checkStructure = true;
};

// Maps and verifies `path`. Never throws; unreadable files give status Error.
FileReport verifyFile(const std::filesystem::path& path, const VerifyOptions& options);

// Verifies an in-memory file image. `repaired`, when not empty, is a copy of
// `file` (same size) in which correctable damage is repaired.
FileReport verifyImage(const std::filesystem::path& name, Bytes file, const VerifyOptions& options,
                       MutableBytes repaired = {});

}  // namespace esekit::tools
